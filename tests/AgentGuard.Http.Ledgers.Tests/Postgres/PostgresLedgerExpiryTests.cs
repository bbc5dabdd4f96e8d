using System.Diagnostics;
using AgentGuard.Http.Postgres;

namespace AgentGuard.Http.Ledgers.Tests.Postgres;

/// <summary>
/// Leases expire by the database's clock (<c>now()</c>), which no fake can move: these tests use real leases of a
/// second or two and poll against a deadline.
/// </summary>
public sealed class PostgresLedgerExpiryTests : IAsyncLifetime
{
    private static readonly TimeSpan s_shortLease = TimeSpan.FromSeconds(1);
    private readonly string _budget = "exp" + Guid.NewGuid().ToString("N")[..10];
    private PostgresTestServer? _server;
    private PostgresBudgetLedger? _ledger;

    private PostgresTestServer Server => _server!;

    private PostgresBudgetLedger Ledger => _ledger!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _server = await PostgresTestServer.SharedAsync();
        _ledger = new PostgresBudgetLedger(new PostgresLedgerOptions { ConnectionString = _server.ConnectionString() });
    }

    public async ValueTask DisposeAsync()
    {
        if (_ledger is not null)
        {
            await _ledger.DisposeAsync();
        }
    }

    [Fact]
    public async Task ShortLease_IsChargedInFull_OnceTheDatabaseClockPassesItsExpiry()
    {
        var pool = new BudgetPool(_budget, 10_000);
        var started = Stopwatch.StartNew();
        Assert.True((await Ledger.ReserveAsync(new ReservationRequest($"{_budget}-short", [pool], 700, s_shortLease) { Model = "gpt-4o-mini" }, Ct)).Granted);
        Assert.True((await Ledger.ReserveAsync(new ReservationRequest($"{_budget}-long", [pool], 200, TimeSpan.FromHours(1)), Ct)).Granted);

        var state = await Ledger.GetStateAsync(pool, Ct);
        Assert.Equal((0L, 900L), (state.SpentMicros, state.ReservedMicros));
        while (state.SpentMicros == 0)
        {
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), "The lease never expired.");
            await Task.Delay(TimeSpan.FromMilliseconds(100), Ct);
            state = await Ledger.GetStateAsync(pool, Ct);
        }

        Assert.True(started.Elapsed >= s_shortLease - TimeSpan.FromMilliseconds(50), $"expired after {started.Elapsed}");
        Assert.Equal((700L, 200L), (state.SpentMicros, state.ReservedMicros));
        var expiry = Assert.Single(await Ledger.ReadSpendLogAsync(new SpendLogQuery(_budget), Ct));
        Assert.Equal((SpendOutcome.LeaseExpired, 700L, "gpt-4o-mini"), (expiry.Outcome, expiry.CostMicros, expiry.Model));
    }

    [Fact]
    public async Task Extend_MovesTheExpiryByTheDatabaseClock()
    {
        var pool = new BudgetPool(_budget, 10_000);
        Assert.True(Ledger.Reserve(new ReservationRequest($"{_budget}-a", [pool], 300, s_shortLease)).Granted);

        Assert.True(Ledger.Extend($"{_budget}-a", TimeSpan.FromSeconds(30)));
        await Server.LetDatabaseTimePassAsync(s_shortLease + TimeSpan.FromMilliseconds(200));

        var state = Ledger.GetState(pool);
        Assert.Equal((0L, 300L), (state.SpentMicros, state.ReservedMicros));
        Assert.True(await Ledger.ExtendAsync($"{_budget}-a", TimeSpan.Zero, Ct));
        Assert.False(await Ledger.ExtendAsync($"{_budget}-a", TimeSpan.FromHours(1), Ct));
        Assert.Equal((300L, 0L), ((await Ledger.GetStateAsync(pool, Ct)).SpentMicros, (await Ledger.GetStateAsync(pool, Ct)).ReservedMicros));
    }

    [Fact]
    public async Task AnOperationOnOnePool_ChargesADueLeaseToEveryPoolItHolds_InTheSameTransaction()
    {
        var root = new BudgetPool(_budget, 10_000);
        var tenant = new BudgetPool($"{_budget}/tenant:1", 5_000);
        Assert.True((await Ledger.ReserveAsync(new ReservationRequest($"{_budget}-both", [root, tenant], 400, s_shortLease), Ct)).Granted);
        await Server.LetDatabaseTimePassAsync(s_shortLease + TimeSpan.FromMilliseconds(200));

        // A reservation on the tenant alone finds the due lease and charges it, to the root too.
        Assert.True((await Ledger.ReserveAsync(new ReservationRequest($"{_budget}-tenant", [tenant], 100, TimeSpan.FromHours(1)), Ct)).Granted);

        Assert.Equal(400L, await Server.ScalarAsync("SELECT spent_micros FROM agentguard.pools WHERE key = $1", root.Key));
        Assert.Equal(0L, await Server.ScalarAsync("SELECT reserved_micros FROM agentguard.pools WHERE key = $1", root.Key));
        Assert.Equal((short)1, await Server.ScalarAsync("SELECT state FROM agentguard.leases WHERE lease_id = $1", $"{_budget}-both"));
        var tenantState = await Ledger.GetStateAsync(tenant, Ct);
        Assert.Equal((400L, 100L), (tenantState.SpentMicros, tenantState.ReservedMicros));
    }

    [Fact]
    public async Task ALateCommit_AfterAReset_ChangesNothingInTheResetPool()
    {
        var pool = new BudgetPool(_budget, 10_000);
        Assert.True(Ledger.Reserve(new ReservationRequest($"{_budget}-late", [pool], 800, s_shortLease)).Granted);
        await Server.LetDatabaseTimePassAsync(s_shortLease + TimeSpan.FromMilliseconds(200));

        // The reset charges the due lease to the spent amount it wipes.
        await Ledger.ResetAsync(pool.Key, Ct);
        Assert.Equal((0L, 0L), (Ledger.GetState(pool).SpentMicros, Ledger.GetState(pool).ReservedMicros));
        var late = Ledger.Commit($"{_budget}-late", 300);

        // The reset wiped the expiry's charge; the call belongs to the period before it, so the reset pool is untouched.
        Assert.Equal(SettlementStatus.SettledAfterExpiry, late.Status);
        Assert.Equal(0, Assert.Single(late.Pools).SpentMicros);
        Assert.Equal([800L, 0L], (await Ledger.ReadSpendLogAsync(new SpendLogQuery(_budget), Ct)).Select(e => e.CostMicros));
    }
}
