using Microsoft.Extensions.Time.Testing;

namespace AgentGuard.Http.Tests.Ledgers;

public sealed class InMemoryBudgetLedgerTests
{
    private static readonly TimeSpan LeaseTime = TimeSpan.FromMinutes(10);
    private static readonly BudgetPool Budget = new("budget", 1_000);

    private readonly FakeTimeProvider _time = new();
    private readonly InMemoryBudgetLedger _ledger;

    public InMemoryBudgetLedgerTests()
    {
        _ledger = new InMemoryBudgetLedger(_time);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(0, 0, 1_000, true)]
    [InlineData(0, 0, 1_001, false)]
    [InlineData(400, 0, 600, true)]
    [InlineData(400, 0, 601, false)]
    [InlineData(0, 300, 700, true)]
    [InlineData(0, 300, 701, false)]
    [InlineData(250, 250, 500, true)]
    [InlineData(250, 250, 501, false)]
    [InlineData(1_000, 0, 0, true)]
    [InlineData(1_000, 0, 1, false)]
    public void Reserve_Amount_GrantedIffSpentPlusReservedPlusAmountWithinLimit(long spent, long reserved, long amount, bool granted)
    {
        if (spent > 0)
        {
            Reserve("spent", spent);
            Assert.Equal(SettlementStatus.Settled, _ledger.Commit("spent", spent).Status);
        }

        if (reserved > 0)
        {
            Assert.True(Reserve("held", reserved).Granted);
        }

        var result = Reserve("new", amount);

        Assert.Equal(granted, result.Granted);
        Assert.Equal(new BudgetPoolState("budget", 1_000, spent, reserved + (granted ? amount : 0)) { RefusedCalls = granted ? 0 : 1 }, result.Pool);
        Assert.Equal(result.Pool, _ledger.GetState(Budget));
    }

    [Fact]
    public void Reserve_Refused_ChangesNothingAndCreatesNoLease()
    {
        Assert.True(Reserve("a", 700).Granted);

        var refused = Reserve("b", 400);

        Assert.False(refused.Granted);
        Assert.Equal(new BudgetPoolState("budget", 1_000, 0, 700) { RefusedCalls = 1 }, refused.Pool);
        Assert.Equal(300, refused.Pool.RemainingMicros);
        Assert.Equal(new BudgetPoolState("budget", 1_000, 0, 700) { RefusedCalls = 1 }, _ledger.GetState(Budget));
        Assert.Equal(SettlementStatus.UnknownLease, _ledger.Commit("b", 400).Status);

        // Retrying the refused lease id once there is room reserves it.
        Assert.Equal(SettlementStatus.Settled, _ledger.Release("a").Status);
        Assert.True(Reserve("b", 400).Granted);
        Assert.Equal(400, _ledger.GetState(Budget).ReservedMicros);
    }

    [Fact]
    public void Reserve_SeveralPoolsOneShort_ReservesInNoneAndReportsTheShortPool()
    {
        var org = new BudgetPool("org", 10_000);
        var team = new BudgetPool("team", 500);
        var user = new BudgetPool("user", 10_000);
        Assert.True(_ledger.Reserve(new ReservationRequest("first", [team], 300, LeaseTime)).Granted);

        var result = _ledger.Reserve(new ReservationRequest("second", [org, team, user], 300, LeaseTime));

        Assert.False(result.Granted);
        Assert.Equal(new BudgetPoolState("team", 500, 0, 300) { RefusedCalls = 1 }, result.Pool);
        Assert.Equal(0, _ledger.GetState(org).ReservedMicros);
        Assert.Equal(300, _ledger.GetState(team).ReservedMicros);
        Assert.Equal(0, _ledger.GetState(user).ReservedMicros);
    }

    [Fact]
    public void Reserve_SeveralPoolsAllRoomy_ReservesInEveryPoolAndSettlesEveryPool()
    {
        var org = new BudgetPool("org", 10_000);
        var team = new BudgetPool("team", 500);

        var result = _ledger.Reserve(new ReservationRequest("lease", [org, team], 300, LeaseTime));
        var commit = _ledger.Commit("lease", 120);

        Assert.True(result.Granted);
        Assert.Equal(new BudgetPoolState("org", 10_000, 0, 300), result.Pool);
        Assert.Equal(SettlementStatus.Settled, commit.Status);
        Assert.Equal([new BudgetPoolState("org", 10_000, 120, 0), new BudgetPoolState("team", 500, 120, 0)], commit.Pools);
        Assert.Equal(new BudgetPoolState("org", 10_000, 120, 0), _ledger.GetState(org));
        Assert.Equal(new BudgetPoolState("team", 500, 120, 0), _ledger.GetState(team));
    }

    [Fact]
    public void Reserve_SamePoolListedTwice_IsRejectedAndReservesNothing()
    {
        var error = Assert.Throws<ArgumentException>(() => _ledger.Reserve(new ReservationRequest("lease", [Budget, Budget], 600, LeaseTime)));

        Assert.Contains("'budget' is listed twice", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _ledger.GetState(Budget).ReservedMicros);
    }

    [Fact]
    public void Reserve_SameLeaseIdTwice_ReservesOnce()
    {
        var first = Reserve("lease", 600);
        var second = Reserve("lease", 600);

        Assert.True(first.Granted);
        Assert.True(second.Granted);
        Assert.Equal(new BudgetPoolState("budget", 1_000, 0, 600), second.Pool);
        Assert.Equal(600, _ledger.GetState(Budget).ReservedMicros);
    }

    [Fact]
    public void Reserve_SettledLeaseIdAgain_ReservesNothing()
    {
        Reserve("lease", 600);
        _ledger.Commit("lease", 100);

        Reserve("lease", 600);

        Assert.Equal(new BudgetPoolState("budget", 1_000, 100, 0), _ledger.GetState(Budget));
    }

    [Theory]
    [InlineData(250)]
    [InlineData(400)]
    [InlineData(0)]
    [InlineData(900)]
    public void Commit_ActiveLease_MovesReservedToSpentAtActualCost(long actual)
    {
        Reserve("lease", 400);

        var result = _ledger.Commit("lease", actual);

        Assert.Equal(SettlementStatus.Settled, result.Status);
        Assert.Equal([new BudgetPoolState("budget", 1_000, actual, 0)], result.Pools);
        Assert.Equal(new BudgetPoolState("budget", 1_000, actual, 0), _ledger.GetState(Budget));
    }

    [Fact]
    public void Release_ActiveLease_FreesTheReservation()
    {
        Reserve("other", 100);
        Reserve("lease", 400);

        var result = _ledger.Release("lease");

        Assert.Equal(SettlementStatus.Settled, result.Status);
        Assert.Equal([new BudgetPoolState("budget", 1_000, 0, 100)], result.Pools);
        Assert.True(Reserve("big", 900).Granted);
    }

    [Fact]
    public void Commit_Twice_SecondIsAlreadySettledWithNoEffect()
    {
        Reserve("lease", 400);
        _ledger.Commit("lease", 300);

        var again = _ledger.Commit("lease", 300);
        var release = _ledger.Release("lease");

        Assert.Equal(SettlementStatus.AlreadySettled, again.Status);
        Assert.Empty(again.Pools);
        Assert.Equal(SettlementStatus.AlreadySettled, release.Status);
        Assert.Equal(new BudgetPoolState("budget", 1_000, 300, 0), _ledger.GetState(Budget));
    }

    [Fact]
    public void Release_Twice_SecondIsAlreadySettledWithNoEffect()
    {
        Reserve("lease", 400);
        _ledger.Release("lease");

        var again = _ledger.Release("lease");
        var commit = _ledger.Commit("lease", 400);

        Assert.Equal(SettlementStatus.AlreadySettled, again.Status);
        Assert.Equal(SettlementStatus.AlreadySettled, commit.Status);
        Assert.Equal(new BudgetPoolState("budget", 1_000, 0, 0), _ledger.GetState(Budget));
    }

    [Fact]
    public void Settle_UnknownLease_IsUnknownLeaseWithNoEffect()
    {
        Reserve("lease", 400);

        var commit = _ledger.Commit("nope", 100);
        var release = _ledger.Release("nope");

        Assert.Equal(SettlementStatus.UnknownLease, commit.Status);
        Assert.Empty(commit.Pools);
        Assert.Equal(SettlementStatus.UnknownLease, release.Status);
        Assert.False(_ledger.Extend("nope", LeaseTime));
        Assert.Equal(new BudgetPoolState("budget", 1_000, 0, 400), _ledger.GetState(Budget));
    }

    [Fact]
    public void Lease_NotSettledBeforeExpiry_IsChargedInFullOnTheNextOperation()
    {
        Reserve("lease", 400);
        _time.Advance(LeaseTime - TimeSpan.FromTicks(1));
        Assert.Equal(new BudgetPoolState("budget", 1_000, 0, 400), _ledger.GetState(Budget));

        _time.Advance(TimeSpan.FromTicks(1));

        Assert.Equal(new BudgetPoolState("budget", 1_000, 400, 0), _ledger.GetState(Budget));
        Assert.False(_ledger.Extend("lease", LeaseTime));
    }

    [Fact]
    public void Lease_Expired_IsChargedBeforeAReservationIsJudged()
    {
        Reserve("lease", 700);
        _time.Advance(LeaseTime + TimeSpan.FromSeconds(1));

        // Expiry never frees the budget: the expired 700 stays charged.
        var result = Reserve("next", 400);

        Assert.False(result.Granted);
        Assert.Equal(new BudgetPoolState("budget", 1_000, 700, 0) { RefusedCalls = 1 }, result.Pool);
    }

    [Theory]
    [InlineData(150)]
    [InlineData(400)]
    [InlineData(650)]
    public void Commit_AfterExpiry_AdjustsTheFullChargeToTheActualCost(long actual)
    {
        Reserve("lease", 400);
        _time.Advance(LeaseTime * 2);
        Assert.Equal(400, _ledger.GetState(Budget).SpentMicros);

        var result = _ledger.Commit("lease", actual);

        Assert.Equal(SettlementStatus.SettledAfterExpiry, result.Status);
        Assert.Equal([new BudgetPoolState("budget", 1_000, actual, 0)], result.Pools);
        Assert.Equal(new BudgetPoolState("budget", 1_000, actual, 0), _ledger.GetState(Budget));
        Assert.Equal(SettlementStatus.AlreadySettled, _ledger.Commit("lease", actual).Status);
        Assert.Equal(actual, _ledger.GetState(Budget).SpentMicros);
    }

    [Fact]
    public void Release_AfterExpiry_RefundsTheFullCharge()
    {
        Reserve("other", 100);
        _ledger.Commit("other", 100);
        Reserve("lease", 400);
        _time.Advance(LeaseTime);

        var result = _ledger.Release("lease");

        Assert.Equal(SettlementStatus.SettledAfterExpiry, result.Status);
        Assert.Equal(new BudgetPoolState("budget", 1_000, 100, 0), _ledger.GetState(Budget));
        Assert.Equal(SettlementStatus.AlreadySettled, _ledger.Release("lease").Status);
        Assert.Equal(100, _ledger.GetState(Budget).SpentMicros);
    }

    [Fact]
    public void Extend_ActiveLease_KeepsItAlivePastItsOriginalExpiry()
    {
        Reserve("lease", 400);
        _time.Advance(TimeSpan.FromMinutes(8));

        Assert.True(_ledger.Extend("lease", LeaseTime));
        _time.Advance(TimeSpan.FromMinutes(8));

        // 16 minutes after the reservation, 8 after the extension: still held.
        Assert.Equal(new BudgetPoolState("budget", 1_000, 0, 400), _ledger.GetState(Budget));
        Assert.Equal(SettlementStatus.Settled, _ledger.Commit("lease", 123).Status);
        Assert.Equal(new BudgetPoolState("budget", 1_000, 123, 0), _ledger.GetState(Budget));
    }

    [Fact]
    public void Extend_ThenNoMoreHeartbeats_ExpiresAtTheExtendedTime()
    {
        Reserve("lease", 400);
        _time.Advance(TimeSpan.FromMinutes(8));
        Assert.True(_ledger.Extend("lease", LeaseTime));

        _time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(new BudgetPoolState("budget", 1_000, 400, 0), _ledger.GetState(Budget));
        Assert.Equal(SettlementStatus.SettledAfterExpiry, _ledger.Commit("lease", 10).Status);
        Assert.Equal(10, _ledger.GetState(Budget).SpentMicros);
    }

    [Fact]
    public void Extend_SettledOrExpiredLease_IsFalseWithNoEffect()
    {
        Reserve("settled", 100);
        _ledger.Commit("settled", 50);
        Reserve("expired", 200);
        _time.Advance(LeaseTime);

        Assert.False(_ledger.Extend("settled", LeaseTime));
        Assert.False(_ledger.Extend("expired", LeaseTime));
        Assert.Equal(new BudgetPoolState("budget", 1_000, 250, 0), _ledger.GetState(Budget));
    }

    [Fact]
    public void Reset_ZeroesSpentButKeepsReservationsWhichSettleIntoTheResetPool()
    {
        Reserve("done", 300);
        _ledger.Commit("done", 300);
        Reserve("inflight", 200);

        _ledger.Reset("budget");

        Assert.Equal(new BudgetPoolState("budget", 1_000, 0, 200), _ledger.GetState(Budget));
        Assert.False(Reserve("too-big", 801).Granted);
        Assert.Equal(SettlementStatus.Settled, _ledger.Commit("inflight", 150).Status);
        Assert.Equal(new BudgetPoolState("budget", 1_000, 150, 0) { RefusedCalls = 1 }, _ledger.GetState(Budget));
    }

    [Fact]
    public void Reset_ThenActiveLeaseExpires_ChargesTheResetPool()
    {
        Reserve("inflight", 200);
        _ledger.Reset("budget");

        _time.Advance(LeaseTime);
        Assert.Equal(new BudgetPoolState("budget", 1_000, 200, 0), _ledger.GetState(Budget));
        var result = _ledger.Commit("inflight", 50);

        Assert.Equal(SettlementStatus.SettledAfterExpiry, result.Status);
        Assert.Equal(new BudgetPoolState("budget", 1_000, 50, 0), _ledger.GetState(Budget));
    }

    [Fact]
    public void Commit_LeaseExpiredBeforeAReset_ChangesNothingInTheResetPool()
    {
        Reserve("lease", 400);
        _time.Advance(LeaseTime);
        Assert.Equal(400, _ledger.GetState(Budget).SpentMicros);
        _ledger.Reset("budget");
        Assert.Equal(0, _ledger.GetState(Budget).SpentMicros);

        var result = _ledger.Commit("lease", 150);

        Assert.Equal(SettlementStatus.SettledAfterExpiry, result.Status);
        Assert.Equal(new BudgetPoolState("budget", 1_000, 0, 0), _ledger.GetState(Budget));
    }

    [Fact]
    public void Release_LeaseExpiredBeforeAReset_ChargesNothing()
    {
        Reserve("lease", 400);
        _time.Advance(LeaseTime);
        _ledger.Reset("budget");

        Assert.Equal(SettlementStatus.SettledAfterExpiry, _ledger.Release("lease").Status);

        Assert.Equal(new BudgetPoolState("budget", 1_000, 0, 0), _ledger.GetState(Budget));
    }

    [Fact]
    public void Reset_UnknownPool_CreatesNothing()
    {
        _ledger.Reset("never-used");

        Assert.False(_ledger.TryClaimWarning("never-used", 50m));
        Assert.Equal(new BudgetPoolState("never-used", 5, 0, 0), _ledger.GetState(new BudgetPool("never-used", 5)));
    }

    [Fact]
    public void TryClaimWarning_EachThreshold_TrueOnceUntilReset()
    {
        _ledger.GetState(Budget);

        Assert.True(_ledger.TryClaimWarning("budget", 30m));
        Assert.False(_ledger.TryClaimWarning("budget", 30m));
        Assert.True(_ledger.TryClaimWarning("budget", 80m));
        Assert.False(_ledger.TryClaimWarning("budget", 80.0m));
        Assert.False(_ledger.TryClaimWarning("budget", 30m));

        _ledger.Reset("budget");

        Assert.True(_ledger.TryClaimWarning("budget", 30m));
        Assert.True(_ledger.TryClaimWarning("budget", 80m));
        Assert.False(_ledger.TryClaimWarning("budget", 30m));
    }

    [Fact]
    public void TryClaimWarning_UnknownPool_IsFalse()
    {
        Assert.False(_ledger.TryClaimWarning("nobody", 30m));
    }

    [Fact]
    public void TryClaimWarning_Pools_AreIndependent()
    {
        _ledger.GetState(new BudgetPool("a", 10));
        _ledger.GetState(new BudgetPool("b", 10));

        Assert.True(_ledger.TryClaimWarning("a", 50m));
        Assert.True(_ledger.TryClaimWarning("b", 50m));
        _ledger.Reset("a");
        Assert.True(_ledger.TryClaimWarning("a", 50m));
        Assert.False(_ledger.TryClaimWarning("b", 50m));
    }

    [Fact]
    public void GetState_NewPool_IsSeededWithTheGivenLimitWhichLaterCallsKeep()
    {
        var first = _ledger.GetState(new BudgetPool("p", 5_000));
        var second = _ledger.GetState(new BudgetPool("p", 9_999));
        var refused = _ledger.Reserve(new ReservationRequest("l", [new BudgetPool("p", 1_000_000)], 5_001, LeaseTime));

        Assert.Equal(new BudgetPoolState("p", 5_000, 0, 0), first);
        Assert.Equal(new BudgetPoolState("p", 5_000, 0, 0), second);
        Assert.False(refused.Granted);
        Assert.Equal(5_000, refused.Pool.LimitMicros);
    }

    [Fact]
    public void Reserve_NewPool_IsSeededWithTheRequestsLimit()
    {
        var result = _ledger.Reserve(new ReservationRequest("l", [new BudgetPool("fresh", 42)], 42, LeaseTime));

        Assert.True(result.Granted);
        Assert.Equal(new BudgetPoolState("fresh", 42, 0, 42), result.Pool);
        Assert.Equal(0, result.Pool.RemainingMicros);
    }

    [Fact]
    public void Reserve_InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentException>(() => _ledger.Reserve(new ReservationRequest("l", [], 1, LeaseTime)));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ledger.Reserve(new ReservationRequest("l", [Budget], -1, LeaseTime)));
        Assert.Throws<ArgumentException>(() => _ledger.Reserve(new ReservationRequest("", [Budget], 1, LeaseTime)));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ledger.Reserve(new ReservationRequest("l", [new BudgetPool("neg", -1)], 1, LeaseTime)));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ledger.Commit("l", -1));
        Assert.Equal(new BudgetPoolState("budget", 1_000, 0, 0), _ledger.GetState(Budget));
    }

    [Fact]
    public async Task AsyncForms_SameOperations_GiveTheSameResultsAsSyncForms()
    {
        var sync = new InMemoryBudgetLedger(_time);
        var async = new InMemoryBudgetLedger(_time);
        var pool = new BudgetPool("p", 1_000);

        var r1 = sync.Reserve(new ReservationRequest("a", [pool], 600, LeaseTime));
        var a1 = await async.ReserveAsync(new ReservationRequest("a", [pool], 600, LeaseTime), Ct);
        var r2 = sync.Reserve(new ReservationRequest("b", [pool], 600, LeaseTime));
        var a2 = await async.ReserveAsync(new ReservationRequest("b", [pool], 600, LeaseTime), Ct);
        var r3 = sync.Reserve(new ReservationRequest("c", [pool], 300, LeaseTime));
        var a3 = await async.ReserveAsync(new ReservationRequest("c", [pool], 300, LeaseTime), Ct);
        var e1 = sync.Extend("a", LeaseTime);
        var ae1 = await async.ExtendAsync("a", LeaseTime, Ct);
        var c1 = sync.Commit("a", 500);
        var ac1 = await async.CommitAsync("a", 500, Ct);
        var c2 = sync.Commit("a", 500);
        var ac2 = await async.CommitAsync("a", 500, Ct);
        var rel = sync.Release("c");
        var arel = await async.ReleaseAsync("c", Ct);
        var unknown = sync.Release("zzz");
        var aunknown = await async.ReleaseAsync("zzz", Ct);
        var w1 = sync.TryClaimWarning("p", 50m);
        var aw1 = await async.TryClaimWarningAsync("p", 50m, Ct);
        var w2 = sync.TryClaimWarning("p", 50m);
        var aw2 = await async.TryClaimWarningAsync("p", 50m, Ct);
        var s1 = sync.GetState(pool);
        var as1 = await async.GetStateAsync(pool, Ct);
        sync.Reset("p");
        await async.ResetAsync("p", Ct);
        var s2 = sync.GetState(pool);
        var as2 = await async.GetStateAsync(pool, Ct);
        var e2 = sync.Extend("a", LeaseTime);
        var ae2 = await async.ExtendAsync("a", LeaseTime, Ct);

        Assert.Equal((true, false, true), (r1.Granted, r2.Granted, r3.Granted));
        Assert.Equal(r1, a1);
        Assert.Equal(r2, a2);
        Assert.Equal(r3, a3);
        Assert.True(e1);
        Assert.Equal(e1, ae1);
        Assert.Equal(SettlementStatus.Settled, c1.Status);
        Assert.Equal(c1.Status, ac1.Status);
        Assert.Equal(c1.Pools, ac1.Pools);
        Assert.Equal(SettlementStatus.AlreadySettled, c2.Status);
        Assert.Equal((c2.Status, c2.Pools.Count), (ac2.Status, ac2.Pools.Count));
        Assert.Equal(SettlementStatus.Settled, arel.Status);
        Assert.Equal(rel.Status, arel.Status);
        Assert.Equal(rel.Pools, arel.Pools);
        Assert.Equal(SettlementStatus.UnknownLease, aunknown.Status);
        Assert.Equal(unknown.Status, aunknown.Status);
        Assert.Equal((true, false), (w1, w2));
        Assert.Equal((w1, w2), (aw1, aw2));
        Assert.Equal(new BudgetPoolState("p", 1_000, 500, 0) { RefusedCalls = 1 }, s1);
        Assert.Equal(s1, as1);
        Assert.Equal(new BudgetPoolState("p", 1_000, 0, 0), s2);
        Assert.Equal(s2, as2);
        Assert.False(e2);
        Assert.Equal(e2, ae2);
    }

    [Fact]
    public void Constructor_NoTimeProvider_UsesTheSystemClockAndLeasesHold()
    {
        var ledger = new InMemoryBudgetLedger();

        Assert.True(ledger.Reserve(new ReservationRequest("l", [Budget], 10, TimeSpan.FromHours(1))).Granted);
        Assert.Equal(new BudgetPoolState("budget", 1_000, 0, 10), ledger.GetState(Budget));
    }

    private ReservationResult Reserve(string leaseId, long amount) =>
        _ledger.Reserve(new ReservationRequest(leaseId, [Budget], amount, LeaseTime));
}
