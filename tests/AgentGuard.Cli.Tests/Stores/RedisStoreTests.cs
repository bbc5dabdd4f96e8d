using AgentGuard.Http.Ledgers.Tests.Redis;
using AgentGuard.Http.Redis;

namespace AgentGuard.Cli.Tests.Stores;

/// <summary>The CLI on a Redis ledger (one private redis-server for the class's tests; budgets keep them apart).</summary>
public sealed class RedisStoreTests : StoreScenarioTests
{
    private protected override async Task<StoreUnderTest> OpenAsync()
    {
        var server = await RedisTestServer.SharedAsync();
        var ledger = new RedisBudgetLedger(new RedisLedgerOptions { Configuration = server.Configuration });
        return new StoreUnderTest(ledger, $"redis://127.0.0.1:{server.Port}", dispose: ledger.DisposeAsync);
    }
}
