using System.Globalization;
using AgentGuard.Http.Ledgers.Tests.Batching;
using AgentGuard.Http.Redis;
using StackExchange.Redis;

namespace AgentGuard.Http.Ledgers.Tests.Redis;

/// <summary>
/// Group commit on Redis: <c>CLIENT PAUSE ... WRITE</c> holds the server's writes, so the leader's script call waits
/// and the tests know which operations queue behind it, without depending on timing.
/// </summary>
[Collection(RedisTestServer.Collection)]
public sealed class RedisLedgerBatchingTests
{
    private readonly string _prefix = "batch" + Guid.NewGuid().ToString("N")[..12] + ":";

    public RedisLedgerBatchingTests() => RedisTestServer.SkipUnlessInstalled();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CallersArrivingWhileAScriptRuns_ShareOneScriptCallPerBudget_EachWithItsOwnOutcome()
    {
        var server = await RedisTestServer.SharedAsync();
        await using var admin = await Admin(server);
        await using var ledger = Ledger(server);
        var agents = new BudgetPool("agents", 1_000);
        var other = new BudgetPool("other/tenant:1", 1_000);
        await ledger.GetStateAsync(agents, Ct);
        await ledger.GetStateAsync(other, Ct);
        await LoadScriptsAsync(admin);
        long before = await EvalCallsAsync(admin);

        await PauseWritesAsync(admin);
        var leader = Task.Run(() => ledger.ReserveAsync(Request("leader", agents, 300), Ct).AsTask(), Ct);
        await Waiting.UntilAsync(() => ledger.BatchStatistics.Running == 1, () => ledger.BatchStatistics.ToString());
        var calls = Enumerable.Range(0, 6).Select(i => Task.Run(() => ledger.ReserveAsync(Request($"a{i}", agents, 300), Ct).AsTask(), Ct))
            .Concat(Enumerable.Range(0, 2).Select(i => Task.Run(() => ledger.ReserveAsync(Request($"o{i}", other, 400), Ct).AsTask(), Ct)))
            .ToList();
        await Waiting.UntilAsync(() => ledger.BatchStatistics.Queued == 8, () => ledger.BatchStatistics.ToString());
        await UnpauseAsync(admin);

        Assert.True((await leader).Granted);
        var results = await Task.WhenAll(calls);

        // 1,000 fit three reservations of 300 (the leader's and two of the batch's) and two of 400.
        Assert.Equal(2, results.Take(6).Count(r => r.Granted));
        Assert.All(results.Take(6).Where(r => !r.Granted), r => Assert.Equal(900, r.Pool.ReservedMicros));
        Assert.All(results.Skip(6), r => Assert.True(r.Granted));
        Assert.Equal(new LedgerBatchStatistics(2, 9, 8, 0, 0), ledger.BatchStatistics);

        // The leader's call, then one call per budget of the batch.
        Assert.Equal(3, await EvalCallsAsync(admin) - before);
        Assert.Equal((900L, 4L), ((await ledger.GetStateAsync(agents, Ct)).ReservedMicros, (await ledger.GetStateAsync(agents, Ct)).RefusedCalls));
        Assert.Equal(800, (await ledger.GetStateAsync(other, Ct)).ReservedMicros);
    }

    [Fact]
    public async Task OneOperationThatFailsInTheScript_FailsAlone_TheOthersOfItsCallStand()
    {
        var server = await RedisTestServer.SharedAsync();
        await using var admin = await Admin(server);
        await using var ledger = Ledger(server);
        var agents = new BudgetPool("agents", 1_000);
        Assert.True(ledger.Reserve(Request("fine", agents, 100)).Granted);
        Assert.True(ledger.Reserve(Request("broken", agents, 100)).Granted);

        // A lease whose hash is no longer a hash: its settlement raises WRONGTYPE inside the batch's script.
        await admin.GetDatabase().StringSetAsync(_prefix + "{agents}:lease:" + _prefix + "broken", "not a hash");

        await PauseWritesAsync(admin);
        var leader = Task.Run(() => ledger.ReserveAsync(Request("leader", agents, 100), Ct).AsTask(), Ct);
        await Waiting.UntilAsync(() => ledger.BatchStatistics.Running == 1, () => ledger.BatchStatistics.ToString());
        var broken = Task.Run(() => ledger.CommitAsync(_prefix + "broken", 10, Ct).AsTask(), Ct);
        var committed = Task.Run(() => ledger.CommitAsync(_prefix + "fine", 70, Ct).AsTask(), Ct);
        var reserved = Task.Run(() => ledger.ReserveAsync(Request("after", agents, 5), Ct).AsTask(), Ct);
        await Waiting.UntilAsync(() => ledger.BatchStatistics.Queued == 3, () => ledger.BatchStatistics.ToString());
        await UnpauseAsync(admin);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => broken);
        Assert.Contains("WRONGTYPE", error.Message, StringComparison.Ordinal);
        Assert.Equal(SettlementStatus.Settled, (await committed).Status);
        Assert.True((await reserved).Granted);
        Assert.True((await leader).Granted);
        Assert.Equal(3, ledger.BatchStatistics.LargestBatch);

        var state = await ledger.GetStateAsync(agents, Ct);
        Assert.Equal((70L, 205L), (state.SpentMicros, state.ReservedMicros));
        Assert.Equal(["fine"], (await ledger.ReadSpendLogAsync(new SpendLogQuery(agents.Key), Ct)).Select(e => e.LeaseId[(_prefix.Length)..]));
    }

    [Fact]
    public async Task ABatchWhoseOutcomeIsUnknown_IsRetriedUnderTheSameLeaseIds_ThenEveryCallerGetsBudgetLedgerUnavailable_AndItAppliedOnce()
    {
        var server = await RedisTestServer.SharedAsync();
        await using var admin = await Admin(server);
        await using var raw = new RedisBudgetLedger(new RedisLedgerOptions { Configuration = server.Configuration + ",asyncTimeout=300,syncTimeout=300", KeyPrefix = _prefix });
        var ledger = new ResilientBudgetLedger(raw, raw.Description, RedisBudgetLedger.IsTransient, retryDelay: TimeSpan.FromMilliseconds(1));
        var agents = new BudgetPool("agents", 1_000_000);
        await ledger.GetStateAsync(agents, Ct);

        // The server holds the scripts (sent, so they will run) past every client timeout: nobody learns the outcome.
        await PauseWritesAsync(admin);
        var calls = Enumerable.Range(0, 6).Select(i => Task.Run(() => ledger.ReserveAsync(Request($"r{i}", agents, 100), Ct).AsTask(), Ct)).ToList();
        foreach (var call in calls)
        {
            var error = await Assert.ThrowsAsync<BudgetLedgerUnavailableException>(() => call);
            Assert.True(RedisBudgetLedger.IsTransient(error.InnerException!));
        }

        // Three tries each (two retries) under the same lease ids.
        Assert.Equal(18, raw.BatchStatistics.Operations);
        await UnpauseAsync(admin);

        // Every try ran once the server went on: each lease reserved once, and asking again finds it.
        var again = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => ledger.ReserveAsync(Request($"r{i}", agents, 100), Ct).AsTask()));
        Assert.All(again, r => Assert.True(r.Granted));
        Assert.Equal(600, (await ledger.GetStateAsync(agents, Ct)).ReservedMicros);
    }

    [Fact]
    public async Task Options_BatchingOff_GivesEveryOperationAScriptCallOfItsOwn_AndABadBatchSizeIsRefused()
    {
        var server = await RedisTestServer.SharedAsync();
        await using var ledger = new RedisBudgetLedger(new RedisLedgerOptions { Configuration = server.Configuration, KeyPrefix = _prefix, Batching = false });
        var agents = new BudgetPool("agents", 1_000);
        var calls = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => ledger.ReserveAsync(Request($"r{i}", agents, 10), Ct).AsTask(), Ct)));
        Assert.All(calls, r => Assert.True(r.Granted));
        Assert.Equal((8L, 1), (ledger.BatchStatistics.Batches, ledger.BatchStatistics.LargestBatch));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new RedisBudgetLedger(new RedisLedgerOptions { Configuration = server.Configuration, MaxBatchSize = 1_001 }));
        Assert.StartsWith("RedisLedgerOptions.MaxBatchSize must be between 1 and 1,000", error.Message, StringComparison.Ordinal);
    }

    private RedisBudgetLedger Ledger(RedisTestServer server) =>
        new(new RedisLedgerOptions { Configuration = server.Configuration + ",syncTimeout=30000,asyncTimeout=30000", KeyPrefix = _prefix });

    private ReservationRequest Request(string lease, BudgetPool pool, long amount) => new(_prefix + lease, [pool], amount, TimeSpan.FromMinutes(5));

    private static async Task<ConnectionMultiplexer> Admin(RedisTestServer server) =>
        await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",allowAdmin=true");

    // Writes (scripts among them) wait until UNPAUSE; a guard of 60 s ends the pause should a test fail before it.
    private static Task PauseWritesAsync(ConnectionMultiplexer admin) => admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "60000", "WRITE");

    private static Task UnpauseAsync(ConnectionMultiplexer admin) => admin.GetDatabase().ExecuteAsync("CLIENT", "UNPAUSE");

    /// <summary>Loads the lease scripts, so that no call meets NOSCRIPT (which would count twice).</summary>
    private static async Task LoadScriptsAsync(ConnectionMultiplexer admin)
    {
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        await server.ScriptLoadAsync(Http.Redis.Internal.RedisLedgerScript.Reserve.Text);
        await server.ScriptLoadAsync(Http.Redis.Internal.RedisLedgerScript.Batch.Text);
    }

    /// <summary>Script calls the server has run (EVAL and EVALSHA), from its command statistics.</summary>
    private static async Task<long> EvalCallsAsync(ConnectionMultiplexer admin)
    {
        string info = (await admin.GetServer(admin.GetEndPoints()[0]).InfoRawAsync("commandstats")) ?? "";
        long calls = 0;
        foreach (string line in info.Split('\n', StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("cmdstat_evalsha:", StringComparison.Ordinal) || line.StartsWith("cmdstat_eval:", StringComparison.Ordinal))
            {
                string field = line.Split(',')[0];
                calls += long.Parse(field[(field.IndexOf('=', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return calls;
    }
}
