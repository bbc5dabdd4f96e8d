using System.Diagnostics;
using AgentGuard.Http.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace AgentGuard.Http.Ledgers.Tests.Sqlite;

/// <summary>Leases expire by the ledger's clock (the injected TimeProvider, shared by the processes of one host).</summary>
public sealed class SqliteLedgerExpiryTests : IDisposable
{
    private static readonly BudgetPool s_pool = new("agents", 10_000);
    private readonly SqliteTestFile _file = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _file.Dispose();

    [Fact]
    public void Lease_ExpiresExactlyAtItsDuration_ByTheInjectedClock_AndIsChargedInFull()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var ledger = new SqliteBudgetLedger(_file.Path, time);
        Assert.True(ledger.Reserve(new ReservationRequest("slow", [s_pool], 700, TimeSpan.FromSeconds(10)) { Model = "gpt-4o-mini" }).Granted);

        time.Advance(TimeSpan.FromMilliseconds(9_999));
        Assert.Equal((0L, 700L), Amounts(ledger.GetState(s_pool)));

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal((700L, 0L), Amounts(ledger.GetState(s_pool)));
        Assert.False(ledger.Extend("slow", TimeSpan.FromHours(1)));
    }

    [Fact]
    public async Task LeaseOfAnotherProcess_IsChargedByThisProcessesOperations_AndLoggedAtItsExpiry()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var expiresAt = time.GetUtcNow().AddSeconds(30);
        using (var crashed = new SqliteBudgetLedger(_file.Path, time))
        {
            Assert.True((await crashed.ReserveAsync(new ReservationRequest("orphan", [s_pool], 900, TimeSpan.FromSeconds(30)) { Model = "o3" }, Ct)).Granted);
        }

        using var survivor = new SqliteBudgetLedger(_file.Path, time);
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(1, await survivor.SweepExpiredAsync(Ct));
        Assert.Equal((900L, 0L), Amounts(await survivor.GetStateAsync(s_pool, Ct)));
        var entry = Assert.Single(await survivor.ReadSpendLogAsync(new SpendLogQuery("agents"), Ct));
        Assert.Equal((SpendOutcome.LeaseExpired, "o3", 900L), (entry.Outcome, entry.Model, entry.CostMicros));
        Assert.Equal(expiresAt.ToUnixTimeMilliseconds(), entry.Timestamp.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task Lease_ExpiresBySystemClock_WithinADeadline()
    {
        using var ledger = new SqliteBudgetLedger(_file.Path);
        var lease = TimeSpan.FromMilliseconds(1_500);
        var clock = Stopwatch.StartNew();
        Assert.True((await ledger.ReserveAsync(new ReservationRequest("short", [s_pool], 500, lease), Ct)).Granted);

        var state = await ledger.GetStateAsync(s_pool, Ct);
        while (state.SpentMicros == 0 && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(50, Ct);
            state = await ledger.GetStateAsync(s_pool, Ct);
        }

        Assert.Equal((500L, 0L), Amounts(state));
        Assert.True(clock.Elapsed >= lease - TimeSpan.FromMilliseconds(50), $"expired after {clock.Elapsed}");
    }

    private static (long Spent, long Reserved) Amounts(BudgetPoolState state) => (state.SpentMicros, state.ReservedMicros);
}
