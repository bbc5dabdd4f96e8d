using AgentGuard.Http.Ledgers.Tests.Postgres;
using AgentGuard.Http.Postgres;

namespace AgentGuard.Cli.Tests.Stores;

/// <summary>The CLI on a PostgreSQL ledger (one private server for the class's tests; budgets keep them apart).</summary>
public sealed class PostgresStoreTests : StoreScenarioTests
{
    private protected override async Task<StoreUnderTest> OpenAsync()
    {
        var server = await PostgresTestServer.SharedAsync();
        var ledger = new PostgresBudgetLedger(new PostgresLedgerOptions { ConnectionString = server.ConnectionString() });

        // The URL form, with the password from the environment as an operator would pass it (the test server trusts loopback).
        return new StoreUnderTest(
            ledger,
            $"postgres://postgres@127.0.0.1:{server.Port}/postgres",
            new Dictionary<string, string?> { ["PGPASSWORD"] = "not-echoed-pg-secret" },
            ledger.DisposeAsync);
    }
}
