using AgentGuard.Http.Postgres;

namespace AgentGuard.Http.Ledgers.Tests.Postgres;

/// <summary>The spend log and the memory of finished leases are bounded by the ledger itself (each test has a schema of its own).</summary>
public sealed class PostgresLedgerRetentionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SpendLog_KeepsTheNewestMaxEntries_AsItIsWritten()
    {
        var server = await PostgresTestServer.SharedAsync();
        await using var ledger = Ledger(server, new SpendLogRetention(MaxEntries: 3));
        var pool = new BudgetPool("kept", 10_000);
        for (int i = 1; i <= 6; i++)
        {
            Assert.True((await ledger.ReserveAsync(new ReservationRequest($"l{i}", [pool], 100, TimeSpan.FromMinutes(5)), Ct)).Granted);
            await ledger.CommitAsync($"l{i}", i, Ct);
        }

        var log = await ledger.ReadSpendLogAsync(new SpendLogQuery(), Ct);

        Assert.Equal([4L, 5L, 6L], log.Select(e => e.CostMicros));
        Assert.Equal(21, (await ledger.GetStateAsync(pool, Ct)).SpentMicros);
    }

    [Fact]
    public async Task SpendLog_EntriesOlderThanMaxAge_AndFinishedLeasesPastTheirRetention_AreSwept()
    {
        var server = await PostgresTestServer.SharedAsync();
        await using var ledger = Ledger(server, new SpendLogRetention(MaxEntries: 1_000, MaxAge: TimeSpan.FromSeconds(1)), TimeSpan.FromSeconds(1));
        var pool = new BudgetPool("aged", 10_000);
        Assert.True((await ledger.ReserveAsync(new ReservationRequest("old", [pool], 100, TimeSpan.FromMinutes(5)), Ct)).Granted);
        await ledger.CommitAsync("old", 40, Ct);
        Assert.Equal(SettlementStatus.AlreadySettled, (await ledger.CommitAsync("old", 40, Ct)).Status);

        await server.LetDatabaseTimePassAsync(TimeSpan.FromSeconds(1.5));
        await ledger.SweepExpiredAsync(Ct);

        Assert.Empty(await ledger.ReadSpendLogAsync(new SpendLogQuery(), Ct));
        Assert.Equal(SettlementStatus.UnknownLease, (await ledger.CommitAsync("old", 40, Ct)).Status);
        Assert.Equal(40, (await ledger.GetStateAsync(pool, Ct)).SpentMicros);
    }

    private static PostgresBudgetLedger Ledger(PostgresTestServer server, SpendLogRetention retention, TimeSpan? leaseRetention = null) =>
        new(new PostgresLedgerOptions
        {
            ConnectionString = server.ConnectionString(),
            Schema = "rt" + Guid.NewGuid().ToString("N")[..10],
            SpendLogRetention = retention,
            FinishedLeaseRetention = leaseRetention ?? TimeSpan.FromHours(1),
        });
}
