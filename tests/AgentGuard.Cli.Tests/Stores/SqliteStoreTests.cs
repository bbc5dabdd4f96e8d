using AgentGuard.Cli.Tests.Infrastructure;
using AgentGuard.Http.Sqlite;

namespace AgentGuard.Cli.Tests.Stores;

/// <summary>The CLI on a SQLite ledger file (each test its own file).</summary>
public sealed class SqliteStoreTests : StoreScenarioTests
{
    private protected override Task<StoreUnderTest> OpenAsync()
    {
        var directory = new TempDirectory("sqlite");
        string path = directory.File("budget.db");
        var ledger = new SqliteBudgetLedger(path);
        return Task.FromResult(new StoreUnderTest(ledger, "sqlite:" + path, dispose: () =>
        {
            ledger.Dispose();
            directory.Dispose();
            return ValueTask.CompletedTask;
        }));
    }
}
