using System.Diagnostics;
using AgentGuard.Http.Postgres;

namespace AgentGuard.Http.Ledgers.Tests.Postgres;

/// <summary>
/// Row locks are always taken in key order (a settlement takes its lease first, and nothing that holds a pool waits
/// for another row): reservations over the same pools listed in opposite orders, settlements, late settlements,
/// expiries, sweeps and the retention's deletes running together never deadlock, and the books balance.
/// </summary>
public sealed class PostgresLedgerConcurrencyTests
{
    private static readonly TimeSpan s_duration = TimeSpan.FromSeconds(4);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OppositePoolOrders_WithSettlementsExpiriesAndSweeps_NeverDeadlock_AndTheBooksBalance()
    {
        var server = await PostgresTestServer.SharedAsync();
        string budget = "dl" + Guid.NewGuid().ToString("N")[..10];

        // The raw ledger, without the resilient wrapper: a deadlock (40P01) would fail the test instead of being retried.
        // Finished leases are forgotten after a second, so that the retention's deletes run during the test too.
        await using var ledger = new PostgresBudgetLedger(new PostgresLedgerOptions
        {
            ConnectionString = server.ConnectionString(),
            Schema = "dl" + Guid.NewGuid().ToString("N")[..10],
            FinishedLeaseRetention = TimeSpan.FromSeconds(1),
        });
        BudgetPool[] pools = [new(budget, 100_000_000), new($"{budget}/tenant:1", 100_000_000), new($"{budget}/tenant:1/agent:1", 100_000_000)];
        BudgetPool[][] orders = [pools, [.. pools.Reverse()], [pools[1], pools[0]], [pools[2], pools[0]], [pools[1]]];
        long deadlocksBefore = await DeadlocksAsync(server);
        var clock = Stopwatch.StartNew();
        long operations = 0;

        var callers = Enumerable.Range(0, 8).Select(c => Task.Run(
            async () =>
            {
                for (int i = 0; clock.Elapsed < s_duration; i++)
                {
                    var order = orders[(c + i) % orders.Length];
                    string lease = $"{budget}-{c}-{i}";
                    bool async = c % 2 == 0;

                    // Every seventh lease expires at once: the next operations on its pools charge it, and half of
                    // these are settled late (refunded down to their cost), the other half abandoned.
                    bool expiresAtOnce = i % 7 == 3;
                    var request = new ReservationRequest(lease, order, 10 + (i % 5), expiresAtOnce ? TimeSpan.Zero : TimeSpan.FromMinutes(5));
                    var reserved = async ? await ledger.ReserveAsync(request, Ct) : ledger.Reserve(request);
                    Assert.True(reserved.Granted);
                    if (!expiresAtOnce || i % 2 == 0)
                    {
                        _ = i % 3 == 0 ? (async ? await ledger.ReleaseAsync(lease, Ct) : ledger.Release(lease))
                            : async ? await ledger.CommitAsync(lease, 7, Ct) : ledger.Commit(lease, 7);
                    }

                    Interlocked.Increment(ref operations);
                }
            },
            Ct)).ToList();
        callers.Add(Task.Run(
            async () =>
            {
                while (clock.Elapsed < s_duration)
                {
                    await ledger.SweepExpiredAsync(Ct);
                    await ledger.ListPoolsAsync(budget, Ct);
                    await Task.Delay(TimeSpan.FromMilliseconds(50), Ct);
                }
            },
            Ct));
        await Task.WhenAll(callers);
        await ledger.SweepExpiredAsync(Ct);

        Assert.True(operations >= 8, $"only {operations} operations");
        var log = await ledger.ReadSpendLogAsync(new SpendLogQuery(budget, Limit: 1_000_000), Ct);
        foreach (var pool in pools)
        {
            var state = await ledger.GetStateAsync(pool, Ct);
            Assert.Equal(0, state.ReservedMicros);
            Assert.Equal(log.Where(e => e.Pools.Contains(pool.Key)).Sum(e => e.CostMicros), state.SpentMicros);
        }

        Assert.Equal(deadlocksBefore, await DeadlocksAsync(server));
    }

    private static async Task<long> DeadlocksAsync(PostgresTestServer server) =>
        (long)(await server.ScalarAsync("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"))!;
}
