using AgentGuard.Http.Redis;
using StackExchange.Redis;

namespace AgentGuard.Http.Ledgers.Tests.Redis;

/// <summary>
/// Every key of a budget hierarchy carries the budget's name as its hash tag, so the multi-key scripts are cluster-safe
/// (one slot); only the lease index (one key per lease, read alone) lies outside. Money stays integral.
/// </summary>
[Collection(RedisTestServer.Collection)]
public sealed class RedisLedgerKeyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheKeysOfABudget_ShareItsHashTag_AndOneClusterSlot()
    {
        var server = await RedisTestServer.SharedAsync();
        string prefix = "tag" + Guid.NewGuid().ToString("N")[..12] + ":";
        await using var connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        await using var ledger = new RedisBudgetLedger(new RedisLedgerOptions { ConnectionMultiplexer = connection, KeyPrefix = prefix });
        BudgetPool[] acme = [new("acme", 10_000), new("acme/tenant:1", 5_000), new("acme/tenant:1/agent:7@2026-11", 1_000)];
        Assert.True((await ledger.ReserveAsync(new ReservationRequest("settled", acme, 300, TimeSpan.FromHours(1)), Ct)).Granted);
        await ledger.CommitAsync("settled", 200, Ct);
        Assert.True(ledger.Reserve(new ReservationRequest("open", acme, 100, TimeSpan.FromHours(1))).Granted);
        Assert.False(ledger.Reserve(new ReservationRequest("refused", acme, 5_000, TimeSpan.FromHours(1))).Granted);
        Assert.True(await ledger.TryClaimWarningAsync("acme/tenant:1", 80m, Ct));
        Assert.True(ledger.Reserve(new ReservationRequest("other", [new BudgetPool("globex", 1_000)], 100, TimeSpan.FromHours(1))).Granted);

        var keys = connection.GetServer(connection.GetEndPoints()[0]).Keys(pattern: prefix + "*").Select(k => k.ToString()).Order(StringComparer.Ordinal).ToList();

        var acmeKeys = keys.Where(k => k.StartsWith(prefix + "{acme}:", StringComparison.Ordinal)).ToList();
        var globexKeys = keys.Where(k => k.StartsWith(prefix + "{globex}:", StringComparison.Ordinal)).ToList();
        var leaseIndex = keys.Where(k => k.StartsWith(prefix + "lease:", StringComparison.Ordinal)).ToList();
        Assert.Equal(keys.Count, acmeKeys.Count + globexKeys.Count + leaseIndex.Count);
        Assert.Equal(
            [.. new[] { "expiries", "lease:open", "lease:settled", "log", "pool:acme", "pool:acme/tenant:1", "pool:acme/tenant:1/agent:7@2026-11", "pools", "warn:acme/tenant:1" }.Select(k => prefix + "{acme}:" + k)],
            acmeKeys);
        Assert.Single(acmeKeys.Select(ClusterSlot).Distinct());
        Assert.Equal(ClusterSlot("acme"), ClusterSlot(acmeKeys[0]));
        Assert.NotEqual(ClusterSlot(acmeKeys[0]), ClusterSlot(globexKeys[0]));
        Assert.Equal([prefix + "lease:open", prefix + "lease:other", prefix + "lease:settled"], leaseIndex);
        Assert.Equal("acme", (string?)await connection.GetDatabase().StringGetAsync(prefix + "lease:open"));
    }

    [Fact]
    public void ClusterSlot_MatchesRedisCluster()
    {
        // Values of CLUSTER KEYSLOT from the Redis Cluster specification and documentation.
        Assert.Equal(12182, ClusterSlot("foo"));
        Assert.Equal(11058, ClusterSlot("somekey"));
        Assert.Equal(ClusterSlot("user1000"), ClusterSlot("{user1000}.following"));
    }

    [Fact]
    public async Task Amounts_AreStoredAsIntegers_ExactBeyondADoublesPrecision()
    {
        var server = await RedisTestServer.SharedAsync();
        string prefix = "int" + Guid.NewGuid().ToString("N")[..12] + ":";
        await using var connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        await using var ledger = new RedisBudgetLedger(new RedisLedgerOptions { ConnectionMultiplexer = connection, KeyPrefix = prefix });

        // A limit near long.MaxValue: a double would round it, and spent + reserved + amount with it.
        var pool = new BudgetPool("huge", long.MaxValue - 1);
        long nearlyAll = long.MaxValue - 1 - (1L << 53);
        await ledger.SetLimitAsync(pool.Key, pool.LimitMicros, Ct);
        var db = connection.GetDatabase();
        await db.HashSetAsync(prefix + "{huge}:pool:huge", "spent", nearlyAll);

        Assert.True(ledger.Reserve(new ReservationRequest("all", [pool], 1L << 53, TimeSpan.FromHours(1))).Granted);
        Assert.False(ledger.Reserve(new ReservationRequest("one-more", [pool], 1, TimeSpan.FromHours(1))).Granted);
        var state = ledger.GetState(pool);
        Assert.Equal((long.MaxValue - 1, nearlyAll, 1L << 53), (state.LimitMicros, state.SpentMicros, state.ReservedMicros));
        Assert.Equal("9223372036854775806", (string?)await db.HashGetAsync(prefix + "{huge}:pool:huge", "limit"));
    }

    /// <summary>The Redis Cluster slot of a key (CRC16/XMODEM of its hash tag, or of the whole key, mod 16384): a standalone server cannot tell it.</summary>
    private static int ClusterSlot(string key)
    {
        int open = key.IndexOf('{', StringComparison.Ordinal);
        if (open >= 0)
        {
            int close = key.IndexOf('}', open + 1);
            if (close > open + 1)
            {
                key = key[(open + 1)..close];
            }
        }

        ushort crc = 0;
        foreach (byte b in System.Text.Encoding.UTF8.GetBytes(key))
        {
            crc ^= (ushort)(b << 8);
            for (int i = 0; i < 8; i++)
            {
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
            }
        }

        return crc % 16384;
    }
}
