using AgentGuard.Http.Redis;
using StackExchange.Redis;

namespace AgentGuard.Http.Ledgers.Tests.Redis;

/// <summary>What the Redis store does beyond the contract: script reloading, spend log retention, many connections on one budget.</summary>
[Collection(RedisTestServer.Collection)]
public sealed class RedisLedgerStoreTests
{
    private readonly string _prefix = "store" + Guid.NewGuid().ToString("N")[..12] + ":";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ScriptsFlushedFromTheServer_AreLoadedAgain_AndApplyOnce()
    {
        var server = await RedisTestServer.SharedAsync();
        await using var admin = await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",allowAdmin=true");
        await using var ledger = new RedisBudgetLedger(new RedisLedgerOptions { Configuration = server.Configuration, KeyPrefix = _prefix });
        var pool = new BudgetPool("flush", 1_000);
        Assert.True(ledger.Reserve(new ReservationRequest("a", [pool], 300, TimeSpan.FromHours(1))).Granted);

        await admin.GetServer(admin.GetEndPoints()[0]).ScriptFlushAsync();
        Assert.True((await ledger.ReserveAsync(new ReservationRequest("b", [pool], 300, TimeSpan.FromHours(1)), Ct)).Granted);
        await admin.GetServer(admin.GetEndPoints()[0]).ScriptFlushAsync();
        Assert.Equal(SettlementStatus.Settled, ledger.Commit("a", 100).Status);

        var state = ledger.GetState(pool);
        Assert.Equal((100L, 300L), (state.SpentMicros, state.ReservedMicros));
    }

    [Fact]
    public async Task SpendLog_KeepsAtMostMaxEntriesPerBudget_TheNewest()
    {
        var server = await RedisTestServer.SharedAsync();
        await using var ledger = new RedisBudgetLedger(new RedisLedgerOptions
        {
            Configuration = server.Configuration,
            KeyPrefix = _prefix,
            SpendLogRetention = new SpendLogRetention(MaxEntries: 5),
        });
        var pool = new BudgetPool("capped", 1_000_000);
        for (int i = 0; i < 12; i++)
        {
            Assert.True(ledger.Reserve(new ReservationRequest($"l{i}", [pool], 10, TimeSpan.FromHours(1))).Granted);
            ledger.Commit($"l{i}", i);
        }

        var log = await ledger.ReadSpendLogAsync(new SpendLogQuery(pool.Key), Ct);

        Assert.Equal([7L, 8L, 9L, 10L, 11L], log.Select(e => e.CostMicros));
    }

    [Fact]
    public async Task SpendLog_DropsEntriesOlderThanMaxAge_ByTheServersClock()
    {
        var server = await RedisTestServer.SharedAsync();
        await using var ledger = new RedisBudgetLedger(new RedisLedgerOptions
        {
            Configuration = server.Configuration,
            KeyPrefix = _prefix,
            SpendLogRetention = new SpendLogRetention(MaxAge: TimeSpan.FromSeconds(1)),
        });
        var pool = new BudgetPool("aged", 1_000_000);
        Assert.True(ledger.Reserve(new ReservationRequest("old", [pool], 10, TimeSpan.FromHours(1))).Granted);
        ledger.Commit("old", 1);

        await Task.Delay(TimeSpan.FromSeconds(1.3), Ct);
        Assert.True(ledger.Reserve(new ReservationRequest("new", [pool], 10, TimeSpan.FromHours(1))).Granted);
        ledger.Commit("new", 2);

        var log = await ledger.ReadSpendLogAsync(new SpendLogQuery(pool.Key), Ct);
        Assert.Equal([2L], log.Select(e => e.CostMicros));
    }

    [Fact]
    public async Task ManyConnections_OnOneBudget_NeverReserveMoreThanTheLimit()
    {
        var server = await RedisTestServer.SharedAsync();
        var ledgers = Enumerable.Range(0, 4).Select(_ => new RedisBudgetLedger(new RedisLedgerOptions { Configuration = server.Configuration, KeyPrefix = _prefix })).ToList();
        BudgetPool[] pools = [new("shared", 100_000), new("shared/tenant:1", 60_000)];
        long maxSeen = 0;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();

        void CallSynchronously(RedisBudgetLedger ledger, string lease)
        {
            var result = ledger.Reserve(new ReservationRequest(lease, pools, 1_500, TimeSpan.FromMinutes(5)));
            var tenant = ledger.GetState(pools[1]);
            InterlockedMax(ref maxSeen, tenant.SpentMicros + tenant.ReservedMicros);
            if (result.Granted)
            {
                ledger.Commit(lease, 1_000);
            }
        }

        try
        {
            // Each "process" (connection) has two async agents (tasks) and two synchronous ones. Synchronous SDK callers
            // run on threads of their own: StackExchange.Redis 3 completes replies on the thread pool, which blocked
            // pool threads would starve (see the README).
            var asyncAgents = ledgers.SelectMany((ledger, l) => Enumerable.Range(0, 2).Select(c => Task.Run(async () =>
            {
                for (int i = 0; i < 30; i++)
                {
                    string lease = $"p{l}-a{c}-{i}";
                    var request = new ReservationRequest(lease, pools, 1_500, TimeSpan.FromMinutes(5));
                    var result = await ledger.ReserveAsync(request, Ct);
                    var tenant = await ledger.GetStateAsync(pools[1], Ct);
                    InterlockedMax(ref maxSeen, tenant.SpentMicros + tenant.ReservedMicros);
                    if (result.Granted)
                    {
                        await ledger.CommitAsync(lease, 1_000, Ct);
                    }
                }
            }, Ct))).ToList();
            var syncAgents = ledgers.SelectMany((ledger, l) => Enumerable.Range(0, 2).Select(c => new Thread(() =>
            {
                try
                {
                    for (int i = 0; i < 30; i++)
                    {
                        CallSynchronously(ledger, $"p{l}-s{c}-{i}");
                    }
                }
                catch (Exception ex)
                {
                    failures.Enqueue(ex);
                }
            }))).ToList();
            syncAgents.ForEach(t => t.Start());
            await Task.WhenAll(asyncAgents);
            syncAgents.ForEach(t => t.Join());

            Assert.Empty(failures);
            var root = await ledgers[0].GetStateAsync(pools[0], Ct);
            var tenantFinal = await ledgers[1].GetStateAsync(pools[1], Ct);
            Assert.True(maxSeen <= 60_000, $"tenant spent + reserved reached {maxSeen}");
            Assert.Equal((0L, 0L), (root.ReservedMicros, tenantFinal.ReservedMicros));
            Assert.Equal(root.SpentMicros, tenantFinal.SpentMicros);
            Assert.InRange(tenantFinal.SpentMicros, 58_500, 60_000);
            Assert.Equal(tenantFinal.SpentMicros, (await ledgers[2].ReadSpendLogAsync(new SpendLogQuery("shared"), Ct)).Sum(e => e.CostMicros));
        }
        finally
        {
            foreach (var ledger in ledgers)
            {
                await ledger.DisposeAsync();
            }
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while (value > (current = Interlocked.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
