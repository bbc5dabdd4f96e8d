using AgentGuard.Http.Ledgers.Tests.Contract;
using AgentGuard.Http.Redis;

namespace AgentGuard.Http.Ledgers.Tests.Redis;

/// <summary>The contract on the Redis ledger, against a private redis-server. Leases are judged by Redis TIME, so expiry takes real (short) time.</summary>
[Collection(RedisTestServer.Collection)]
public sealed class RedisLedgerContractTests : LedgerContractTests
{
    public RedisLedgerContractTests() => RedisTestServer.SkipUnlessInstalled();

    // Short, but long enough that a busy machine does not let it expire between a test's first steps.
    protected override TimeSpan ShortLease => TimeSpan.FromSeconds(1.5);

    protected override bool FastExpiry => false;

    protected override async ValueTask<IBudgetLedger> CreateLedgerAsync()
    {
        var server = await RedisTestServer.SharedAsync();
        // The contract's concurrency test makes synchronous calls from thread-pool threads, whose replies StackExchange.Redis
        // 3 completes on the thread pool too: while the pool grows, a call can wait seconds. A generous timeout keeps a
        // busy test machine from failing a contract that holds (the README tells applications the same).
        return new RedisBudgetLedger(new RedisLedgerOptions { Configuration = server.Configuration + ",syncTimeout=30000", KeyPrefix = "contract:" });
    }

    protected override async ValueTask LetShortLeaseExpireAsync() => await Task.Delay(ShortLease + TimeSpan.FromMilliseconds(500), Ct);
}
