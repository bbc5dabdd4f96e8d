using AgentGuard.Http.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace AgentGuard.Http.Ledgers.Tests.Sqlite;

/// <summary>One file shared by several ledgers (processes), and what survives closing and reopening it.</summary>
public sealed class SqliteLedgerDurabilityTests : IDisposable
{
    private readonly SqliteTestFile _file = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _file.Dispose();

    [Fact]
    public async Task TwoLedgersOnOneFile_ShareOneBudget_AndNeverExceedIt_UnderConcurrency()
    {
        var root = new BudgetPool("agents", 60_000);
        var tenant = new BudgetPool("agents/tenant:1", 40_000);
        using var first = new SqliteBudgetLedger(_file.Path);
        using var second = new SqliteBudgetLedger(_file.Path);
        long committed = 0;
        long worstSeen = 0;

        // Four callers on each ledger, synchronous and asynchronous, reserving on one pool or two until refused.
        var callers = Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
        {
            var ledger = c % 2 == 0 ? first : second;
            bool async = c % 4 < 2;
            BudgetPool[] pools = c % 3 == 0 ? [root] : [root, tenant];
            for (int i = 0; i < 60; i++)
            {
                var request = new ReservationRequest($"c{c}-{i}", pools, 700, TimeSpan.FromMinutes(5));
                var result = async ? await ledger.ReserveAsync(request, Ct) : ledger.Reserve(request);
                foreach (var pool in pools)
                {
                    var state = async ? await ledger.GetStateAsync(pool, Ct) : ledger.GetState(pool);
                    InterlockedMax(ref worstSeen, state.SpentMicros + state.ReservedMicros - state.LimitMicros);
                }

                if (result.Granted)
                {
                    long actual = 100 + (i * 37 % 600);
                    var settled = async ? await ledger.CommitAsync(request.LeaseId, actual, Ct) : ledger.Commit(request.LeaseId, actual);
                    Assert.Equal(SettlementStatus.Settled, settled.Status);
                    Interlocked.Add(ref committed, actual);
                }
            }
        }, Ct)).ToList();
        await Task.WhenAll(callers);

        var rootState = await first.GetStateAsync(root, Ct);
        var tenantState = await second.GetStateAsync(tenant, Ct);
        Assert.True(worstSeen <= 0, $"spent + reserved exceeded a limit by {worstSeen}");
        Assert.Equal((committed, 0L), (rootState.SpentMicros, rootState.ReservedMicros));
        Assert.True(rootState.SpentMicros > 60_000 - 700 || tenantState.SpentMicros > 40_000 - 700, $"budget not used up: {rootState.SpentMicros}, {tenantState.SpentMicros}");
        Assert.True(rootState.RefusedCalls > 0);
        var log = await second.ReadSpendLogAsync(new SpendLogQuery("agents"), Ct);
        Assert.Equal(committed, log.Sum(e => e.CostMicros));
    }

    [Fact]
    public async Task EverythingSurvives_DisposingAndReopeningTheLedger()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var pool = new BudgetPool("agents", 10_000);
        using (var before = new SqliteBudgetLedger(_file.Path, time))
        {
            Assert.True(before.Reserve(new ReservationRequest("done", [pool], 1_000, TimeSpan.FromHours(1))).Granted);
            before.Settle(new SettlementRequest("done", 800, new SpendDetails(SpendOutcome.SettledFromUsage, "gpt-4o", 100, 20, 30)));
            Assert.True(before.Reserve(new ReservationRequest("inflight", [pool], 2_000, TimeSpan.FromHours(1))).Granted);
            Assert.True(before.Reserve(new ReservationRequest("slow", [pool], 3_000, TimeSpan.FromMinutes(1)) { Model = "o3" }).Granted);
            Assert.True(before.TryClaimWarning("agents", 30m));
            await before.SetLimitAsync("agents", 12_000, Ct);
        }

        time.Advance(TimeSpan.FromMinutes(2));
        using var after = new SqliteBudgetLedger(_file.Path, time);

        var state = after.GetState(new BudgetPool("agents", 1));
        Assert.Equal((12_000L, 800L + 3_000L, 2_000L), (state.LimitMicros, state.SpentMicros, state.ReservedMicros));
        Assert.False(after.TryClaimWarning("agents", 30.0m));
        Assert.False(after.Reserve(new ReservationRequest("done", [pool], 1_000, TimeSpan.FromHours(1))).Granted);
        Assert.Equal(SettlementStatus.AlreadySettled, after.Commit("done", 800).Status);
        Assert.Equal(SettlementStatus.Settled, after.Commit("inflight", 1_500).Status);
        Assert.Equal(SettlementStatus.SettledAfterExpiry, after.Commit("slow", 500).Status);
        var log = await after.ReadSpendLogAsync(new SpendLogQuery("agents"), Ct);
        Assert.Equal(
            [(SpendOutcome.SettledFromUsage, 800L), (SpendOutcome.LeaseExpired, 3_000L), (SpendOutcome.SettledFromUsage, 1_500L), (SpendOutcome.SettledFromUsage, -2_500L)],
            log.Select(e => (e.Outcome, e.CostMicros)));
        Assert.Equal(("gpt-4o", 100L, 20L, 30L), (log[0].Model, log[0].InputTokens, log[0].CachedInputTokens, log[0].OutputTokens));
        Assert.Equal(800 + 1_500 + 500, after.GetState(pool).SpentMicros);
    }

    [Fact]
    public async Task LateSettlement_AfterAReset_RefundsOnlyThePoolsThatWereNotReset_AcrossReopening()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var root = new BudgetPool("agents", 10_000);
        var agent = new BudgetPool("agents/agent:7", 10_000);
        using (var before = new SqliteBudgetLedger(_file.Path, time))
        {
            Assert.True(before.Reserve(new ReservationRequest("slow", [root, agent], 4_000, TimeSpan.FromMinutes(1))).Granted);
            time.Advance(TimeSpan.FromMinutes(2));
            Assert.Equal(4_000, before.GetState(agent).SpentMicros);
            before.Reset(agent.Key);
        }

        using var after = new SqliteBudgetLedger(_file.Path, time);
        var result = await after.CommitAsync("slow", 1_000, Ct);

        Assert.Equal(SettlementStatus.SettledAfterExpiry, result.Status);
        // The root still carries the expiry's charge: refunded down to the actual cost. The agent's pool was reset,
        // which wiped that charge: the call belongs to the period before the reset, and nothing changes there.
        Assert.Equal([(root.Key, 1_000L), (agent.Key, 0L)], result.Pools.Select(p => (p.Key, p.SpentMicros)));
    }

    [Fact]
    public async Task SpendLogRetention_KeepsTheNewestEntries_AndForgetsOldOnes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var ledger = new SqliteBudgetLedger(new SqliteLedgerOptions { Path = _file.Path, SpendLogRetention = new SpendLogRetention(3, TimeSpan.FromDays(1)) }, time);
        var pool = new BudgetPool("agents", 1_000_000);
        for (int i = 1; i <= 5; i++)
        {
            Assert.True(ledger.Reserve(new ReservationRequest($"l{i}", [pool], 100, TimeSpan.FromHours(1))).Granted);
            ledger.Commit($"l{i}", i);
        }

        Assert.Equal([3L, 4L, 5L], (await ledger.ReadSpendLogAsync(new SpendLogQuery(), Ct)).Select(e => e.CostMicros));
        time.Advance(TimeSpan.FromDays(2));
        Assert.True(ledger.Reserve(new ReservationRequest("l6", [pool], 100, TimeSpan.FromHours(1))).Granted);
        ledger.Commit("l6", 6);
        Assert.Equal([6L], (await ledger.ReadSpendLogAsync(new SpendLogQuery(), Ct)).Select(e => e.CostMicros));
    }

    [Fact]
    public void SynchronousNormal_IsAccepted_AndWorks()
    {
        using var ledger = new SqliteBudgetLedger(new SqliteLedgerOptions { Path = _file.Path, Synchronous = SqliteSynchronousMode.Normal });
        var pool = new BudgetPool("agents", 1_000);

        Assert.True(ledger.Reserve(new ReservationRequest("a", [pool], 600, TimeSpan.FromHours(1))).Granted);
        Assert.Equal(SettlementStatus.Settled, ledger.Commit("a", 500).Status);
        Assert.Equal(500, ledger.GetState(pool).SpentMicros);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current = Interlocked.Read(ref target);
        while (value > current)
        {
            long seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
