namespace AgentGuard.Http.Ledgers.Tests.Batching;

/// <summary>
/// The batcher itself, over an executor that records its batches: how batches form, which thread and which API runs
/// them, what a failure or a cancellation does. Nothing here depends on timing: a held batch decides what queues.
/// </summary>
public sealed class LedgerBatcherTests
{
    private readonly RecordingExecutor _executor = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task LoneOperation_OnAnIdleQueue_RunsAtOnce_OnItsCallersOwnCall()
    {
        var batcher = new LedgerBatcher(_executor.Execute);
        int callerThread = Environment.CurrentManagedThreadId;

        // No window, no timer, no other thread: the asynchronous call has completed when it returns.
        var reserving = batcher.ReserveAsync(Request("a", 2), cancellationToken: Ct);
        Assert.True(reserving.IsCompletedSuccessfully);
        Assert.True((await reserving).Granted);
        var settling = batcher.SettleAsync(new SettlementRequest("a", 1, SpendDetails.Of(SpendOutcome.SettledFromUsage)), cancellationToken: Ct);
        Assert.True(settling.IsCompletedSuccessfully);
        await settling;
        Assert.True(batcher.Extend("a", TimeSpan.FromMinutes(1)));

        Assert.All(_executor.Batches, b => Assert.Equal(callerThread, b.Thread));
        Assert.Equal([1, 1, 1], _executor.Batches.Select(b => b.Operations.Count));
        Assert.Equal(new LedgerBatchStatistics(3, 3, 1, 0, 0), batcher.Statistics);
    }

    [Fact]
    public async Task OperationsArrivingWhileABatchRuns_ShareTheNextBatch_EachWithItsOwnOutcome()
    {
        var batcher = new LedgerBatcher(_executor.Execute);
        _executor.HoldNextBatch();
        var first = batcher.ReserveAsync(Request("first", 2), cancellationToken: Ct).AsTask();
        var rest = Enumerable.Range(0, 10).Select(i => batcher.ReserveAsync(Request($"r{i}", i), cancellationToken: Ct).AsTask()).ToList();
        await WaitUntil(() => batcher.Statistics.Queued == 10);

        _executor.Release();
        await first;
        var results = await Task.WhenAll(rest);

        Assert.Equal([["first"], [.. Enumerable.Range(0, 10).Select(i => $"r{i}")]], _executor.Batches.Select(b => b.Leases.ToArray()));
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(($"r{i}", i % 2 == 0), (results[i].Pool.Key, results[i].Granted));
        }

        Assert.Equal(new LedgerBatchStatistics(2, 11, 10, 0, 0), batcher.Statistics);
    }

    [Fact]
    public async Task TwoOperationsOfOneLease_NeverShareABatch_AndMaxBatchSizeSplitsTheQueue()
    {
        var batcher = new LedgerBatcher(_executor.Execute, maxBatchSize: 3);
        _executor.HoldNextBatch();
        var first = batcher.ReserveAsync(Request("first", 2), cancellationToken: Ct).AsTask();
        var queued = new List<Task>
        {
            batcher.ReserveAsync(Request("a", 2), cancellationToken: Ct).AsTask(),
            batcher.SettleAsync(new SettlementRequest("a", 1, SpendDetails.Of(SpendOutcome.SettledFromUsage)), cancellationToken: Ct).AsTask(),
        };
        queued.AddRange(Enumerable.Range(0, 4).Select(i => batcher.ReserveAsync(Request($"r{i}", 2), cancellationToken: Ct).AsTask()));
        await WaitUntil(() => batcher.Statistics.Queued == 6);

        _executor.Release();
        await first;
        await Task.WhenAll(queued);

        Assert.Equal([["first"], ["a", "r0", "r1"], ["a", "r2", "r3"]], _executor.Batches.Select(b => b.Leases.ToArray()));
        Assert.Equal(LedgerOperationKind.Settle, _executor.Batches.Last().Operations[0].Kind);
    }

    [Fact]
    public async Task SynchronousCallers_BatchAmongThemselves_OnTheirOwnThreads_WithTheSynchronousApi()
    {
        var batcher = new LedgerBatcher(_executor.Execute);
        _executor.HoldNextBatch();
        var callers = new List<Thread>();
        var outcomes = new System.Collections.Concurrent.ConcurrentDictionary<string, ReservationResult>();
        void Start(string lease) => callers.Add(StartThread(() => outcomes[lease] = batcher.Reserve(Request(lease, 2))));
        Start("leader");
        _executor.HeldBatchStarted.Wait(Ct);
        for (int i = 0; i < 6; i++)
        {
            Start($"s{i}");
        }

        Waiting.Until(() => batcher.Statistics.Queued == 6, () => batcher.Statistics.ToString());
        var asyncCallers = Enumerable.Range(0, 3).Select(i => batcher.ReserveAsync(Request($"a{i}", 2), cancellationToken: Ct).AsTask()).ToList();

        _executor.Release();
        callers.ForEach(t => t.Join());
        await Task.WhenAll(asyncCallers);

        var callerThreads = callers.Select(t => t.ManagedThreadId).ToHashSet();
        var syncBatches = _executor.Batches.Where(b => b.Leases.Any(l => l.StartsWith('s') || l == "leader")).ToList();
        Assert.Equal(["leader", .. Enumerable.Range(0, 6).Select(i => $"s{i}")], syncBatches.SelectMany(b => b.Leases).Order(StringComparer.Ordinal));
        Assert.All(syncBatches, b =>
        {
            Assert.False(b.Async);
            Assert.Contains(b.Thread, callerThreads);
            Assert.All(b.Leases, l => Assert.False(l.StartsWith('a')));
        });
        Assert.All(_executor.Batches.Where(b => b.Leases.Any(l => l.StartsWith('a'))), b => Assert.True(b.Async));
        Assert.Equal(7, outcomes.Count(o => o.Value.Granted && o.Value.Pool.Key == o.Key));
    }

    [Fact]
    public async Task AFailingBatch_FailsEachOfItsOperations_AndAnOperationFailedAlone_FailsAlone()
    {
        var batcher = new LedgerBatcher(_executor.Execute);
        _executor.FailAlone.Add("bad");
        _executor.HoldNextBatch();
        var first = batcher.ReserveAsync(Request("first", 2), cancellationToken: Ct).AsTask();
        var bad = batcher.ReserveAsync(Request("bad", 2), cancellationToken: Ct).AsTask();
        var good = batcher.ReserveAsync(Request("good", 2), cancellationToken: Ct).AsTask();
        await WaitUntil(() => batcher.Statistics.Queued == 2);
        _executor.Release();
        await first;

        await Assert.ThrowsAsync<OverflowException>(() => bad);
        Assert.True((await good).Granted);

        _executor.FailBatchOf.Add("doomed");
        _executor.HoldNextBatch();
        var leader = batcher.ReserveAsync(Request("leader", 2), cancellationToken: Ct).AsTask();
        var doomed = batcher.ReserveAsync(Request("doomed", 2), cancellationToken: Ct).AsTask();
        var neighbour = batcher.ReserveAsync(Request("neighbour", 2), cancellationToken: Ct).AsTask();
        await WaitUntil(() => batcher.Statistics.Queued == 2);
        _executor.Release();
        await leader;

        await Assert.ThrowsAsync<IOException>(() => doomed);
        await Assert.ThrowsAsync<IOException>(() => neighbour);
        Assert.Equal(0, batcher.Statistics.Queued);
        Assert.True((await batcher.ReserveAsync(Request("after", 2), cancellationToken: Ct)).Granted);
    }

    [Fact]
    public async Task ACancelledCaller_StopsWaiting_ItsOperationStillRuns_AndTheReservationItWasGrantedIsReleased()
    {
        var batcher = new LedgerBatcher(_executor.Execute);
        _executor.HoldNextBatch();
        var first = batcher.ReserveAsync(Request("first", 2), cancellationToken: Ct).AsTask();
        using var cancel = new CancellationTokenSource();
        var gaveUp = batcher.ReserveAsync(Request("gave-up", 2), cancellationToken: cancel.Token).AsTask();
        var settling = batcher.SettleAsync(new SettlementRequest("settled", 3, SpendDetails.Of(SpendOutcome.SettledFromUsage)), cancellationToken: cancel.Token).AsTask();
        await WaitUntil(() => batcher.Statistics.Queued == 2);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gaveUp);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => settling);
        _executor.Release();
        await first;
        await WaitUntil(() => batcher.Statistics.Operations == 4);

        Assert.Equal([["first"], ["gave-up", "settled"], ["gave-up"]], _executor.Batches.Select(b => b.Leases.ToArray()));
        var release = Assert.Single(_executor.Batches.Last().Operations);
        Assert.Equal((LedgerOperationKind.Settle, (long?)null), (release.Kind, release.Cost));
    }

    [Fact]
    public async Task Disabled_EveryOperationRunsAloneOnItsCall_Concurrently()
    {
        var batcher = new LedgerBatcher(_executor.Execute, enabled: false);
        _executor.HoldNextBatch();
        var held = batcher.ReserveAsync(Request("held", 2), cancellationToken: Ct).AsTask();

        var other = batcher.ReserveAsync(Request("other", 2), cancellationToken: Ct);

        Assert.True(other.IsCompletedSuccessfully);
        Assert.False(held.IsCompleted);
        _executor.Release();
        await held;
        Assert.Equal(2, _executor.MostRunningAtOnce);
        Assert.Equal(new LedgerBatchStatistics(2, 2, 1, 0, 0), batcher.Statistics);
    }

    [Fact]
    public void MaxBatchSize_OutOfRange_IsRefusedWithAMessageThatNamesTheOption()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => LedgerBatcher.ValidateMaxBatchSize(1_001, "SqliteLedgerOptions.MaxBatchSize"));

        Assert.StartsWith("SqliteLedgerOptions.MaxBatchSize must be between 1 and 1,000 (the default is 128); to turn batching off, set Batching to false instead.", error.Message, StringComparison.Ordinal);
        LedgerBatcher.ValidateMaxBatchSize(LedgerBatcher.MaxBatchSizeLimit, "x");
        Assert.Throws<ArgumentOutOfRangeException>(() => LedgerBatcher.ValidateMaxBatchSize(0, "x"));
    }

    private static ReservationRequest Request(string lease, long amount) => new(lease, [new BudgetPool("b", 1_000)], amount, TimeSpan.FromMinutes(5));

    private static Thread StartThread(Action work)
    {
        var thread = new Thread(() => work()) { IsBackground = true };
        thread.Start();
        return thread;
    }

    private Task WaitUntil(Func<bool> condition) =>
        Waiting.UntilAsync(condition, () => $"batches: {string.Join(" | ", _executor.Batches.Select(b => string.Join(",", b.Leases)))}");
}
