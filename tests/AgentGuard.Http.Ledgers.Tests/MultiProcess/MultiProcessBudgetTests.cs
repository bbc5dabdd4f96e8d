using System.Collections.Concurrent;
using System.Globalization;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Ledgers.Tests.Postgres;
using AgentGuard.Http.Ledgers.Tests.Redis;
using AgentGuard.Http.Postgres;
using AgentGuard.Http.Redis;
using AgentGuard.Http.Sqlite;

namespace AgentGuard.Http.Ledgers.Tests.MultiProcess;

/// <summary>
/// Four and more OS processes, each with concurrent agents, share one budget in a store, against one worst-case fake
/// server that runs here (so its meter survives every kill). Workers are killed with SIGKILL after reserving, while the
/// server holds their request, and between the store's commit and the caller; Redis and PostgreSQL are restarted once
/// mid-run. The server never bills more than the budget, no reservation outlives its lease, nothing committed is lost.
/// </summary>
public sealed class MultiProcessBudgetTests
{
    private const decimal Budget = 0.06m;
    private const int LeaseSeconds = 3;
    private static readonly TimeSpan s_scenarioLimit = TimeSpan.FromSeconds(120);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sqlite_KilledWorkers_NeverExceedTheBudget()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"agentguard-mp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            string path = Path.Combine(directory, "budget.db");
            await RunScenarioAsync("sqlite", path, () => new SqliteBudgetLedger(path), restartStore: null);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Redis_KilledWorkersAndARestart_NeverExceedTheBudget()
    {
        RedisTestServer.SkipUnlessInstalled();
        await using var redis = await RedisTestServer.StartAsync();
        string configuration = $"127.0.0.1:{redis.Port},abortConnect=false,connectTimeout=2000,syncTimeout=2000";
        await RunScenarioAsync("redis", configuration, () => new RedisBudgetLedger(new RedisLedgerOptions { Configuration = configuration }), async () =>
        {
            await redis.ShutdownNoSaveAsync();
            await redis.RestartAsync();
        });
    }

    [Fact]
    public async Task Postgres_KilledWorkersAndARestart_NeverExceedTheBudget()
    {
        PostgresTestServer.SkipUnlessAvailable();
        await using var postgres = await PostgresTestServer.StartAsync();
        string connection = postgres.ConnectionString("Timeout=3;Command Timeout=5");
        await RunScenarioAsync("postgres", connection, () => new PostgresBudgetLedger(new PostgresLedgerOptions { ConnectionString = connection }), async () =>
        {
            await postgres.StopAsync("immediate");
            await postgres.StartAgainAsync();
        });
    }

    private static async Task RunScenarioAsync(string store, string connection, Func<IBudgetLedger> openLedger, Func<Task>? restartStore)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        limit.CancelAfter(s_scenarioLimit);
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior
        {
            OutputMode = FakeOutputMode.WorstCase,
            ResponseDelay = TimeSpan.FromMilliseconds(250),
        }, Ct);
        string budgetName = "mp" + Guid.NewGuid().ToString("N")[..8];
        var kills = new ConcurrentDictionary<string, int>();
        var workers = new ConcurrentBag<WorkerProcess>();

        string[] Arguments(string pauseAt) =>
        [
            "--store", store, "--connection", connection, "--server", server.BaseUrl.ToString(), "--budget", budgetName,
            "--limit", Budget.ToString(CultureInfo.InvariantCulture), "--agents", "4", "--lease-seconds", LeaseSeconds.ToString(CultureInfo.InvariantCulture),
            "--pause-at", pauseAt, "--pause-every", "7", "--max-seconds", "90",
        ];

        void OnLine(WorkerProcess worker, string line)
        {
            if (!line.StartsWith("POINT ", StringComparison.Ordinal))
            {
                return;
            }

            // Kill at the announced point; each point twice, then its replacement runs without pauses.
            string point = line["POINT ".Length..];
            int killed = kills.AddOrUpdate(point, 1, (_, n) => n + 1);
            if (point == "InRequest")
            {
                // The server holds the request for 250 ms: kill while it does.
                Thread.Sleep(50);
            }

            worker.Kill();
            if (!limit.IsCancellationRequested)
            {
                workers.Add(WorkerProcess.Start(Arguments(killed < 2 ? point : "None"), OnLine));
            }
        }

        foreach (string point in new[] { "AfterReserve", "InRequest", "AfterCommit", "None" })
        {
            workers.Add(WorkerProcess.Start(Arguments(point), OnLine));
        }

        if (restartStore is not null)
        {
            // Mid-run: the store goes away and comes back. Workers are refused meanwhile (fail closed).
            await WaitUntilAsync(() => server.Meter.BilledRequests >= 40, limit.Token);
            await restartStore();
        }

        await WaitUntilAsync(() => workers.All(w => w.Exited.IsCompleted), limit.Token);

        // Every lease of a killed worker expires by the store's clock and is charged in full.
        await Task.Delay(TimeSpan.FromSeconds(LeaseSeconds + 1), Ct);
        var ledger = openLedger();
        try
        {
            await ledger.SweepExpiredAsync(Ct);
            var pool = await ledger.GetStateAsync(new BudgetPool(budgetName, 0), Ct);
            long budgetMicros = (long)(Budget * 1_000_000m);

            Assert.True(workers.Count >= 4, $"{workers.Count} worker processes ran");
            Assert.DoesNotContain(workers.SelectMany(w => w.Errors), e => e.Contains("Unhandled exception", StringComparison.Ordinal));
            Assert.True(kills.GetValueOrDefault("AfterReserve") >= 1 && kills.GetValueOrDefault("InRequest") >= 1 && kills.GetValueOrDefault("AfterCommit") >= 1,
                $"kills: {string.Join(", ", kills.Select(k => $"{k.Key}={k.Value}"))}");
            Assert.Equal(budgetMicros, pool.LimitMicros);
            Assert.True(server.Meter.TotalBilledMicros <= budgetMicros, $"the server billed {server.Meter.TotalBilledMicros} of a {budgetMicros} budget");
            Assert.Equal(0, pool.ReservedMicros);
            Assert.True(pool.SpentMicros >= server.Meter.TotalBilledMicros, $"the ledger recorded {pool.SpentMicros}, the server billed {server.Meter.TotalBilledMicros}");
            Assert.True(pool.SpentMicros <= budgetMicros, $"the ledger recorded {pool.SpentMicros} of a {budgetMicros} budget");
            Assert.True(server.Meter.BilledRequests > 100, $"only {server.Meter.BilledRequests} calls were billed");
        }
        finally
        {
            foreach (var worker in workers)
            {
                worker.Dispose();
            }

            switch (ledger)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(50, cancellationToken);
        }
    }
}
