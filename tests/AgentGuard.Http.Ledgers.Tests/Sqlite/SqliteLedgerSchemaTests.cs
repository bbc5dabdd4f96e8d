using AgentGuard.Http.Sqlite;
using Microsoft.Data.Sqlite;

namespace AgentGuard.Http.Ledgers.Tests.Sqlite;

/// <summary>Files an earlier version wrote are upgraded in place, their spend kept.</summary>
public sealed class SqliteLedgerSchemaTests : IDisposable
{
    private readonly SqliteTestFile _file = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _file.Dispose();

    [Fact]
    public async Task AFileOfVersion1_IsUpgradedOnFirstUse_KeepingItsSpend_AndRecordsProvidersFromThen()
    {
        var pool = new BudgetPool("b", 1_000);
        using (var ledger = new SqliteBudgetLedger(_file.Path))
        {
            Assert.True((await ledger.ReserveAsync(new ReservationRequest("old", [pool], 300, TimeSpan.FromMinutes(5)) { Model = "gpt-4o" }, Ct)).Granted);
            Assert.True((await ledger.ReserveAsync(new ReservationRequest("open", [pool], 200, TimeSpan.FromMinutes(5)) { Model = "gpt-4o" }, Ct)).Granted);
            await ledger.CommitAsync("old", 120, Ct);
        }

        // What version 1 wrote: the same tables without the provider columns.
        await ExecuteAsync("""
            ALTER TABLE leases DROP COLUMN provider;
            ALTER TABLE spend_log DROP COLUMN provider;
            PRAGMA user_version = 1;
            """);
        SqliteConnection.ClearAllPools();

        using (var ledger = new SqliteBudgetLedger(_file.Path))
        {
            Assert.Equal((120L, 200L), ((await ledger.GetStateAsync(pool, Ct)).SpentMicros, (await ledger.GetStateAsync(pool, Ct)).ReservedMicros));
            Assert.Equal(SettlementStatus.Settled, (await ledger.CommitAsync("open", 50, Ct)).Status);
            Assert.True(ledger.Reserve(new ReservationRequest("new", [pool], 100, TimeSpan.FromMinutes(5)) { Provider = "anthropic", Model = "claude-haiku-4-5" }).Granted);
            Assert.Equal(SettlementStatus.Settled, ledger.Commit("new", 30).Status);

            var log = await ledger.ReadSpendLogAsync(new SpendLogQuery("b"), Ct);

            Assert.Equal([("old", (string?)null, 120L), ("open", null, 50L), ("new", "anthropic", 30L)], log.Select(e => (e.LeaseId, e.Provider, e.CostMicros)));
        }

        Assert.Equal(2L, await ScalarAsync("PRAGMA user_version;"));
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_file.Path};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = new SqliteCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_file.Path};Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = new SqliteCommand(sql, connection);
        return await command.ExecuteScalarAsync(Ct);
    }
}
