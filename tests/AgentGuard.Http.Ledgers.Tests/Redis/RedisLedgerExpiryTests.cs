using System.Diagnostics;
using AgentGuard.Http.Redis;

namespace AgentGuard.Http.Ledgers.Tests.Redis;

/// <summary>
/// Leases are judged by the Redis server's clock (TIME inside the scripts), the only place these tests use real time:
/// short leases, polled against a deadline. The lease is reserved by one ledger and its expiry observed through
/// another that never saw it, as another process would.
/// </summary>
[Collection(RedisTestServer.Collection)]
public sealed class RedisLedgerExpiryTests
{
    private static readonly TimeSpan s_lease = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(15);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UnsettledLease_ExpiresByTheServersClock_AndIsChargedInFull_SeenFromAnotherLedger()
    {
        var server = await RedisTestServer.SharedAsync();
        var options = new RedisLedgerOptions { Configuration = server.Configuration, KeyPrefix = "expiry:" };
        await using var reserving = new RedisBudgetLedger(options);
        await using var observing = new RedisBudgetLedger(options);
        var pool = new BudgetPool("e" + Guid.NewGuid().ToString("N")[..12], 1_000);

        var clock = Stopwatch.StartNew();
        Assert.True(reserving.Reserve(new ReservationRequest("lease", [pool], 700, s_lease) { Model = "gpt-4o-mini" }).Granted);
        var before = await observing.GetStateAsync(pool, Ct);
        var after = await PollAsync(observing, pool, s => s.SpentMicros == 700);

        Assert.Equal((0L, 700L), (before.SpentMicros, before.ReservedMicros));
        Assert.Equal((700L, 0L), (after.SpentMicros, after.ReservedMicros));
        Assert.True(clock.Elapsed >= s_lease - TimeSpan.FromMilliseconds(100), $"expired after {clock.Elapsed}");
        var expired = Assert.Single(await observing.ReadSpendLogAsync(new SpendLogQuery(pool.Key), Ct));
        Assert.Equal((SpendOutcome.LeaseExpired, 700L, "gpt-4o-mini"), (expired.Outcome, expired.CostMicros, expired.Model));
    }

    [Fact]
    public async Task LateSettlement_RefundsThePoolsItExpiredIn_AndLeavesAPoolResetSinceUnchanged()
    {
        var server = await RedisTestServer.SharedAsync();
        await using var ledger = new RedisBudgetLedger(new RedisLedgerOptions { Configuration = server.Configuration, KeyPrefix = "expiry:" });
        string budget = "r" + Guid.NewGuid().ToString("N")[..12];
        BudgetPool[] pools = [new(budget, 1_000), new(budget + "/tenant:1", 1_000)];
        Assert.True(ledger.Reserve(new ReservationRequest("slow", pools, 600, s_lease) { Model = "gpt-4o-mini" }).Granted);
        await PollAsync(ledger, pools[1], s => s.SpentMicros == 600);

        await ledger.ResetAsync(pools[1].Key, Ct);
        var result = await ledger.CommitAsync("slow", 250, Ct);

        Assert.Equal(SettlementStatus.SettledAfterExpiry, result.Status);
        Assert.Equal([(250L, 0L), (0L, 0L)], result.Pools.Select(p => (p.SpentMicros, p.ReservedMicros)));
        Assert.Equal(250, ledger.GetState(pools[0]).SpentMicros);
        Assert.Equal(0, ledger.GetState(pools[1]).SpentMicros);
    }

    [Fact]
    public async Task Heartbeats_KeepALeaseAlivePastItsDuration_ThenItExpires()
    {
        var server = await RedisTestServer.SharedAsync();
        await using var ledger = new RedisBudgetLedger(new RedisLedgerOptions { Configuration = server.Configuration, KeyPrefix = "expiry:" });
        var pool = new BudgetPool("h" + Guid.NewGuid().ToString("N")[..12], 1_000);
        Assert.True((await ledger.ReserveAsync(new ReservationRequest("stream", [pool], 400, s_lease), Ct)).Granted);

        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < 2 * s_lease)
        {
            await Task.Delay(200, Ct);
            Assert.True(await ledger.ExtendAsync("stream", s_lease, Ct), $"extend failed after {clock.Elapsed}");
        }

        Assert.Equal(400, (await ledger.GetStateAsync(pool, Ct)).ReservedMicros);
        var expired = await PollAsync(ledger, pool, s => s.ReservedMicros == 0);
        Assert.Equal(400, expired.SpentMicros);
        Assert.False(await ledger.ExtendAsync("stream", s_lease, Ct));
    }

    [Fact]
    public async Task Sweep_ChargesExpiredLeasesOfEveryBudget_WithoutTouchingThem()
    {
        var server = await RedisTestServer.SharedAsync();
        await using var ledger = new RedisBudgetLedger(new RedisLedgerOptions { Configuration = server.Configuration, KeyPrefix = "sweep" + Guid.NewGuid().ToString("N")[..8] + ":" });
        var pools = Enumerable.Range(0, 3).Select(i => new BudgetPool($"budget{i}", 10_000)).ToArray();
        foreach (var pool in pools)
        {
            for (int i = 0; i < 4; i++)
            {
                Assert.True(ledger.Reserve(new ReservationRequest($"{pool.Key}-{i}", [pool], 100, s_lease)).Granted);
            }
        }

        await Task.Delay(s_lease + TimeSpan.FromMilliseconds(500), Ct);
        int expired = await ledger.SweepExpiredAsync(Ct);

        Assert.Equal(12, expired);
        Assert.Equal(0, await ledger.SweepExpiredAsync(Ct));
        var states = await ledger.ListPoolsAsync(null, Ct);
        Assert.All(states, s => Assert.Equal((400L, 0L), (s.SpentMicros, s.ReservedMicros)));
    }

    private static async Task<BudgetPoolState> PollAsync(RedisBudgetLedger ledger, BudgetPool pool, Func<BudgetPoolState, bool> done)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var state = await ledger.GetStateAsync(pool, Ct);
            if (done(state))
            {
                return state;
            }

            Assert.True(deadline.Elapsed < s_deadline, $"the lease did not expire within {s_deadline}: {state}");
            await Task.Delay(50, Ct);
        }
    }
}
