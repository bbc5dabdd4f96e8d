using AgentGuard.Http.Ledgers.Tests.Batching;
using AgentGuard.Http.Sqlite;

namespace AgentGuard.Http.Ledgers.Tests.Sqlite;

/// <summary>
/// Group commit on SQLite, with durable settings: a held file (another process in a write transaction) decides what
/// queues, so that the tests know which operations share a transaction without depending on timing.
/// </summary>
public sealed class SqliteLedgerBatchingTests : IDisposable
{
    private static readonly BudgetPool s_pool = new("agents", 1_000_000);
    private readonly SqliteTestFile _file = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _file.Dispose();

    [Fact]
    public async Task LoneOperation_OnAnIdleLedger_IsABatchOfOne_RunAtOnceOnItsCallersCall()
    {
        using var ledger = new SqliteBudgetLedger(_file.Path);
        await ledger.PingAsync(Ct);

        // No window, no timer, no other thread: the call has completed when it returns, as a transaction of its own.
        var reserving = ledger.ReserveAsync(Request("alone", 100), Ct);
        Assert.True(reserving.IsCompletedSuccessfully);
        Assert.True((await reserving).Granted);
        Assert.Equal(new LedgerBatchStatistics(1, 1, 1, 0, 0), ledger.BatchStatistics);

        Assert.Equal(SettlementStatus.Settled, ledger.Commit("alone", 60).Status);
        Assert.Equal(new LedgerBatchStatistics(2, 2, 1, 0, 0), ledger.BatchStatistics);
    }

    [Fact]
    public async Task CallersArrivingWhileTheFileIsBusy_ShareTheNextTransaction_EachWithItsOwnOutcome()
    {
        using var ledger = Ledger();
        var tenant = new BudgetPool("agents/tenant:1", 1_000);
        await ledger.PingAsync(Ct);
        using (var holder = HoldTheFile())
        {
            // One of them leads and waits for the file; the others queue behind it.
            var calls = Enumerable.Range(0, 9).Select(i => Task.Run(() => ledger.ReserveAsync(new ReservationRequest($"r{i}", [s_pool, tenant], 300, TimeSpan.FromMinutes(5)), Ct).AsTask(), Ct)).ToList();
            await Waiting.UntilAsync(() => ledger.BatchStatistics.Queued == 8, () => ledger.BatchStatistics.ToString());
            holder.Release();
            var results = await Task.WhenAll(calls);

            // The tenant's 1,000 fit three reservations of 300: the leader's and the first two of the batch.
            Assert.Equal(3, results.Count(r => r.Granted));
            Assert.All(results.Where(r => !r.Granted), r => Assert.Equal((tenant.Key, 900L), (r.Pool.Key, r.Pool.ReservedMicros)));
        }

        Assert.Equal(new LedgerBatchStatistics(2, 9, 8, 0, 0), ledger.BatchStatistics);
        var state = await ledger.GetStateAsync(tenant, Ct);
        Assert.Equal((0L, 900L, 6L), (state.SpentMicros, state.ReservedMicros, state.RefusedCalls));
        Assert.Equal(900, (await ledger.GetStateAsync(s_pool, Ct)).ReservedMicros);
    }

    [Fact]
    public async Task OneOperationThatFails_RollsBackNothingOfTheOthersInItsTransaction()
    {
        using var ledger = Ledger();
        var huge = new BudgetPool("huge", long.MaxValue);
        var other = new BudgetPool("other", 1_000);
        Assert.True(ledger.Reserve(new ReservationRequest("filler", [huge], 1, TimeSpan.FromHours(1))).Granted);
        Assert.Equal(SettlementStatus.Settled, ledger.Commit("filler", long.MaxValue - 10).Status);
        Assert.True(ledger.Reserve(new ReservationRequest("overflowing", [huge], 1, TimeSpan.FromHours(1))).Granted);
        Assert.True(ledger.Reserve(new ReservationRequest("fine", [other], 100, TimeSpan.FromHours(1))).Granted);
        using (var holder = HoldTheFile())
        {
            var leader = Task.Run(() => ledger.ReserveAsync(new ReservationRequest("leader", [other], 100, TimeSpan.FromHours(1)), Ct).AsTask(), Ct);
            await Waiting.UntilAsync(() => ledger.BatchStatistics.Running == 1, () => ledger.BatchStatistics.ToString());
            var overflowing = Task.Run(() => ledger.CommitAsync("overflowing", 100, Ct).AsTask(), Ct);
            var committed = Task.Run(() => ledger.CommitAsync("fine", 70, Ct).AsTask(), Ct);
            var reserved = Task.Run(() => ledger.ReserveAsync(new ReservationRequest("after", [other, huge], 5, TimeSpan.FromHours(1)), Ct).AsTask(), Ct);
            await Waiting.UntilAsync(() => ledger.BatchStatistics.Queued == 3, () => ledger.BatchStatistics.ToString());
            holder.Release();

            await Assert.ThrowsAsync<OverflowException>(() => overflowing);
            Assert.Equal(SettlementStatus.Settled, (await committed).Status);
            Assert.True((await reserved).Granted);
            Assert.True((await leader).Granted);
        }

        Assert.Equal(3, ledger.BatchStatistics.LargestBatch);
        Assert.Equal((long.MaxValue - 10, 6L), Amounts(await ledger.GetStateAsync(huge, Ct)));
        Assert.Equal((70L, 105L), Amounts(await ledger.GetStateAsync(other, Ct)));
        var log = await ledger.ReadSpendLogAsync(new SpendLogQuery(), Ct);
        Assert.Equal(["filler", "fine"], log.Select(e => e.LeaseId));

        // The failed commit changed nothing: its lease is still active, and can be settled.
        Assert.Equal(SettlementStatus.Settled, ledger.Release("overflowing").Status);
        Assert.Equal((long.MaxValue - 10, 5L), Amounts(await ledger.GetStateAsync(huge, Ct)));
    }

    [Fact]
    public async Task ABatchRetriedUnderTheSameLeaseIds_AppliesEachOperationOnce()
    {
        using var ledger = Ledger();
        await ledger.PingAsync(Ct);

        // A batch whose outcome its callers never learned (the reply lost, the process restarted) is retried as it was.
        async Task<ReservationResult[]> ReserveTogether()
        {
            using var holder = HoldTheFile();
            var calls = Enumerable.Range(0, 5).Select(i => Task.Run(() => ledger.ReserveAsync(Request($"r{i}", 100), Ct).AsTask(), Ct)).ToList();
            await Waiting.UntilAsync(() => ledger.BatchStatistics.Queued == 4, () => ledger.BatchStatistics.ToString());
            holder.Release();
            return await Task.WhenAll(calls);
        }

        Assert.All(await ReserveTogether(), r => Assert.True(r.Granted));
        Assert.All(await ReserveTogether(), r => Assert.True(r.Granted));
        Assert.Equal(500, (await ledger.GetStateAsync(s_pool, Ct)).ReservedMicros);

        using (var holder = HoldTheFile())
        {
            var leader = Task.Run(() => ledger.CommitAsync("r0", 50, Ct).AsTask(), Ct);
            var commits = Enumerable.Range(0, 5).Select(i => Task.Run(() => ledger.CommitAsync($"r{i}", 50, Ct).AsTask(), Ct)).ToList();
            await Waiting.UntilAsync(() => ledger.BatchStatistics.Queued == 5, () => ledger.BatchStatistics.ToString());
            holder.Release();
            var statuses = (await Task.WhenAll(commits.Append(leader))).Select(s => s.Status).ToList();

            Assert.Equal(5, statuses.Count(s => s == SettlementStatus.Settled));
            Assert.Equal(SettlementStatus.AlreadySettled, Assert.Single(statuses, s => s != SettlementStatus.Settled));
        }

        Assert.Equal((250L, 0L), Amounts(await ledger.GetStateAsync(s_pool, Ct)));
        Assert.Equal(5, (await ledger.ReadSpendLogAsync(new SpendLogQuery(), Ct)).Count);
    }

    [Fact]
    public async Task WhenTheStoreStaysBusy_EveryCallerOfTheBatch_GetsBudgetLedgerUnavailable_AfterItsRetries()
    {
        using var raw = Ledger(TimeSpan.FromMilliseconds(50));
        await raw.PingAsync(Ct);
        var ledger = new ResilientBudgetLedger(raw, raw.Description, SqliteBudgetLedger.IsTransient, retryDelay: TimeSpan.FromMilliseconds(1));
        using (HoldTheFile())
        {
            var calls = Enumerable.Range(0, 6).Select(i => Task.Run(() => ledger.ReserveAsync(Request($"r{i}", 100), Ct).AsTask(), Ct)).ToList();

            foreach (var call in calls)
            {
                var error = await Assert.ThrowsAsync<BudgetLedgerUnavailableException>(() => call);
                Assert.True(SqliteBudgetLedger.IsTransient(error.InnerException!));
            }
        }

        // Three tries each (two retries), nothing reserved; the same lease ids reserve once the file is free.
        Assert.Equal(18, raw.BatchStatistics.Operations);
        Assert.Equal(0, (await ledger.GetStateAsync(s_pool, Ct)).ReservedMicros);
        var again = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => ledger.ReserveAsync(Request($"r{i}", 100), Ct).AsTask()));
        Assert.All(again, r => Assert.True(r.Granted));
        Assert.Equal(600, (await ledger.GetStateAsync(s_pool, Ct)).ReservedMicros);
    }

    [Fact]
    public async Task ACancelledCaller_CannotWithdrawItsReservation_WhichIsReleasedUnderItsLeaseId()
    {
        using var ledger = Ledger();
        await ledger.PingAsync(Ct);
        using var cancel = new CancellationTokenSource();
        Task leader;
        Task<ReservationResult> cancelled;
        using (var holder = HoldTheFile())
        {
            leader = Task.Run(() => ledger.ReserveAsync(Request("leader", 100), Ct).AsTask(), Ct);
            await Waiting.UntilAsync(() => ledger.BatchStatistics.Running == 1, () => ledger.BatchStatistics.ToString());
            cancelled = Task.Run(() => ledger.ReserveAsync(Request("gave-up", 400), cancel.Token).AsTask(), Ct);
            await Waiting.UntilAsync(() => ledger.BatchStatistics.Queued == 1, () => ledger.BatchStatistics.ToString());

            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
            holder.Release();
        }

        await leader;
        await Waiting.UntilAsync(() => ledger.BatchStatistics.Operations == 3, () => ledger.BatchStatistics.ToString());

        // Granted to nobody, then released under its own lease id: nothing stays reserved, and the log says so.
        Assert.Equal((0L, 100L), Amounts(await ledger.GetStateAsync(s_pool, Ct)));
        Assert.Equal(SettlementStatus.AlreadySettled, (await ledger.CommitAsync("gave-up", 400, Ct)).Status);
        var entry = Assert.Single(await ledger.ReadSpendLogAsync(new SpendLogQuery(), Ct));
        Assert.Equal(("gave-up", SpendOutcome.Released, 0L), (entry.LeaseId, entry.Outcome, entry.CostMicros));
    }

    [Fact]
    public async Task SixtyFourSynchronousCallers_WithTheThreadPoolAtAMinimumOfTwo_AllFinish_BesideAsynchronousOnes()
    {
        using var ledger = Ledger();
        await ledger.PingAsync(Ct);
        ThreadPool.GetMinThreads(out int workers, out int io);
        ThreadPool.SetMinThreads(2, 2);
        try
        {
            // Each synchronous caller blocks a pool thread: were one to wait for asynchronous work, which needs a pool
            // thread to go on, they would all stall until the pool grew, a thread every half second or so.
            var sync = Enumerable.Range(0, 64).Select(c => Task.Run(() =>
            {
                for (int i = 0; i < 4; i++)
                {
                    Assert.True(ledger.Reserve(Request($"s{c}-{i}", 10)).Granted);
                    Assert.Equal(SettlementStatus.Settled, ledger.Commit($"s{c}-{i}", 7).Status);
                }
            }, Ct));
            var async = Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
            {
                for (int i = 0; i < 4; i++)
                {
                    Assert.True((await ledger.ReserveAsync(Request($"a{c}-{i}", 10), Ct)).Granted);
                    Assert.Equal(SettlementStatus.Settled, (await ledger.CommitAsync($"a{c}-{i}", 7, Ct)).Status);
                }
            }, Ct));

            await Task.WhenAll(sync.Concat(async)).WaitAsync(TimeSpan.FromMinutes(2), Ct);
        }
        finally
        {
            ThreadPool.SetMinThreads(workers, io);
        }

        Assert.Equal((72L * 4 * 7, 0L), Amounts(await ledger.GetStateAsync(s_pool, Ct)));
        Assert.Equal(72 * 4 * 2, ledger.BatchStatistics.Operations);
    }

    [Fact]
    public void Options_BatchingOff_RunsEveryOperationAsATransactionOfItsOwn_AndABadBatchSizeIsRefused()
    {
        using var ledger = new SqliteBudgetLedger(new SqliteLedgerOptions { Path = _file.Path, Batching = false });
        Assert.True(ledger.Reserve(Request("a", 10)).Granted);
        Assert.Equal(SettlementStatus.Settled, ledger.Commit("a", 5).Status);
        Assert.Equal(new LedgerBatchStatistics(2, 2, 1, 0, 0), ledger.BatchStatistics);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SqliteBudgetLedger(new SqliteLedgerOptions { Path = _file.Path, MaxBatchSize = 0 }));
        Assert.StartsWith("SqliteLedgerOptions.MaxBatchSize must be between 1 and 1,000", error.Message, StringComparison.Ordinal);
    }

    private SqliteBudgetLedger Ledger(TimeSpan? busyTimeout = null) =>
        new(new SqliteLedgerOptions { Path = _file.Path, BusyTimeout = busyTimeout ?? TimeSpan.FromSeconds(60) });

    private static ReservationRequest Request(string lease, long amount) => new(lease, [s_pool], amount, TimeSpan.FromMinutes(5));

    private static (long Spent, long Reserved) Amounts(BudgetPoolState state) => (state.SpentMicros, state.ReservedMicros);

    private SqliteFileHolder HoldTheFile() => new(_file.Path);
}
