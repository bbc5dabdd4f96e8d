using System.Diagnostics;
using AgentGuard.Http.Redis;

namespace AgentGuard.Http.Ledgers.Tests.Redis;

/// <summary>A server that cannot be reached refuses reservations with BudgetLedgerUnavailableException (fail closed), within a bounded time.</summary>
[Collection(RedisTestServer.Collection)]
public sealed class RedisLedgerUnavailableTests
{
    // Short timeouts, as an operator who prefers a quick refusal would set them: every attempt gives up after 500 ms.
    private const string ShortTimeouts = ",connectTimeout=500,syncTimeout=500,asyncTimeout=500";
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StoppedServer_RefusesReservations_WithLedgerUnavailable_WithinABoundedTime(bool killed)
    {
        await using var server = await RedisTestServer.StartAsync();
        await using var redis = new RedisBudgetLedger(new RedisLedgerOptions { Configuration = server.Configuration + ShortTimeouts });
        var ledger = new ResilientBudgetLedger(redis, redis.Description, RedisBudgetLedger.IsTransient);
        Assert.True(ledger.Reserve(Request("before")).Granted);

        if (killed)
        {
            await server.KillAsync();
        }
        else
        {
            await server.ShutdownNoSaveAsync();
        }

        var clock = Stopwatch.StartNew();
        var sync = Assert.Throws<BudgetLedgerUnavailableException>(() => ledger.Reserve(Request("sync")));
        var syncTime = clock.Elapsed;
        clock.Restart();
        var async = await Assert.ThrowsAsync<BudgetLedgerUnavailableException>(() => ledger.ReserveAsync(Request("async"), Ct).AsTask());
        var asyncTime = clock.Elapsed;

        TestContext.Current.TestOutputHelper?.WriteLine($"refused after {syncTime.TotalMilliseconds:F0} ms (sync), {asyncTime.TotalMilliseconds:F0} ms (async)");
        Assert.True(syncTime < s_bound, $"sync refusal took {syncTime}");
        Assert.True(asyncTime < s_bound, $"async refusal took {asyncTime}");
        Assert.Equal($"redis:127.0.0.1:{server.Port}", sync.Ledger);
        Assert.Equal(sync.Ledger, async.Ledger);
        await Assert.ThrowsAsync<BudgetLedgerUnavailableException>(() => ledger.PingAsync(Ct).AsTask());
    }

    [Fact]
    public async Task ServerNeverReached_RefusesReservations_WithLedgerUnavailable_WithinABoundedTime()
    {
        RedisTestServer.SkipUnlessInstalled();
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }

        await using var redis = new RedisBudgetLedger(new RedisLedgerOptions { Configuration = $"127.0.0.1:{port}" + ShortTimeouts });
        var ledger = new ResilientBudgetLedger(redis, redis.Description, RedisBudgetLedger.IsTransient);

        var clock = Stopwatch.StartNew();
        Assert.Throws<BudgetLedgerUnavailableException>(() => ledger.Reserve(Request("sync")));
        await Assert.ThrowsAsync<BudgetLedgerUnavailableException>(() => ledger.ReserveAsync(Request("async"), Ct).AsTask());
        await Assert.ThrowsAsync<BudgetLedgerUnavailableException>(() => redis.PingAsync(Ct).AsTask());

        Assert.True(clock.Elapsed < 2 * s_bound, $"refusals took {clock.Elapsed}");
    }

    private static ReservationRequest Request(string lease) => new(lease, [new BudgetPool("unavailable", 1_000_000)], 100, TimeSpan.FromMinutes(1));
}
