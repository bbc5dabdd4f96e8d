using AgentGuard.Http.Ledgers.Tests.Batching;
using AgentGuard.Http.Postgres;
using Npgsql;

namespace AgentGuard.Http.Ledgers.Tests.Postgres;

/// <summary>
/// Group commit on PostgreSQL: another connection holding the hot pool's row lock makes the leader's statement wait, so
/// the tests know which operations queue behind it without depending on timing.
/// </summary>
public sealed class PostgresLedgerBatchingTests
{
    private readonly string _schema = "batch" + Guid.NewGuid().ToString("N")[..10];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CallersArrivingWhileATransactionRuns_ShareTheNextOne_EachWithItsOwnOutcome()
    {
        var server = await PostgresTestServer.SharedAsync();
        await using var ledger = Ledger(server);
        var agents = new BudgetPool("agents", 1_000_000);
        var tenant = new BudgetPool("agents/tenant:1", 1_000);
        await ledger.GetStateAsync(agents, Ct);
        await ledger.GetStateAsync(tenant, Ct);

        await using (var holder = await HoldPoolAsync(server, agents.Key))
        {
            var leader = Task.Run(() => ledger.ReserveAsync(Request("leader", 300, agents, tenant), Ct).AsTask(), Ct);
            await Waiting.UntilAsync(() => ledger.BatchStatistics.Running == 1, () => ledger.BatchStatistics.ToString());
            var calls = Enumerable.Range(0, 8).Select(i => Task.Run(() => ledger.ReserveAsync(Request($"r{i}", 300, agents, tenant), Ct).AsTask(), Ct))
                .Append(Task.Run(() => ledger.ReserveAsync(Request("one-pool", 50, agents), Ct).AsTask(), Ct))
                .ToList();
            await Waiting.UntilAsync(() => ledger.BatchStatistics.Queued == 9, () => ledger.BatchStatistics.ToString());
            await holder.RollbackAsync(Ct);

            Assert.True((await leader).Granted);
            var results = await Task.WhenAll(calls);

            // The tenant's 1,000 fit three reservations of 300: the leader's and two of the batch's; the refusals are counted.
            Assert.Equal(2, results.Take(8).Count(r => r.Granted));
            Assert.All(results.Take(8).Where(r => !r.Granted), r => Assert.Equal((tenant.Key, 900L), (r.Pool.Key, r.Pool.ReservedMicros)));
            Assert.True(results[8].Granted);
        }

        Assert.Equal(new LedgerBatchStatistics(2, 10, 9, 0, 0), ledger.BatchStatistics);

        var state = await ledger.GetStateAsync(tenant, Ct);
        Assert.Equal((900L, 6L), (state.ReservedMicros, state.RefusedCalls));
        Assert.Equal(950, (await ledger.GetStateAsync(agents, Ct)).ReservedMicros);
    }

    [Fact]
    public async Task OneOperationThatFails_RollsBackNothingOfTheOthersInItsTransaction()
    {
        var server = await PostgresTestServer.SharedAsync();
        await using var ledger = Ledger(server);
        var huge = new BudgetPool("huge", long.MaxValue);
        var other = new BudgetPool("other", 1_000);
        Assert.True(ledger.Reserve(Request("filler", 1, huge)).Granted);
        Assert.Equal(SettlementStatus.Settled, ledger.Commit("filler", long.MaxValue - 10).Status);
        Assert.True(ledger.Reserve(Request("overflowing", 1, huge)).Granted);
        Assert.True(ledger.Reserve(Request("fine", 100, other)).Granted);

        await using (var holder = await HoldPoolAsync(server, other.Key))
        {
            var leader = Task.Run(() => ledger.ReserveAsync(Request("leader", 100, other), Ct).AsTask(), Ct);
            await Waiting.UntilAsync(() => ledger.BatchStatistics.Running == 1, () => ledger.BatchStatistics.ToString());
            var overflowing = Task.Run(() => ledger.CommitAsync("overflowing", 100, Ct).AsTask(), Ct);
            var committed = Task.Run(() => ledger.CommitAsync("fine", 70, Ct).AsTask(), Ct);
            var reserved = Task.Run(() => ledger.ReserveAsync(Request("after", 5, other, huge), Ct).AsTask(), Ct);
            await Waiting.UntilAsync(() => ledger.BatchStatistics.Queued == 3, () => ledger.BatchStatistics.ToString());
            await holder.RollbackAsync(Ct);

            var error = await Assert.ThrowsAsync<PostgresException>(() => overflowing);
            Assert.Equal(PostgresErrorCodes.NumericValueOutOfRange, error.SqlState);
            Assert.Equal(SettlementStatus.Settled, (await committed).Status);
            Assert.True((await reserved).Granted);
            Assert.True((await leader).Granted);
        }

        Assert.Equal(3, ledger.BatchStatistics.LargestBatch);
        Assert.Equal((long.MaxValue - 10, 6L), Amounts(await ledger.GetStateAsync(huge, Ct)));
        Assert.Equal((70L, 105L), Amounts(await ledger.GetStateAsync(other, Ct)));
        Assert.Equal(["filler", "fine"], (await ledger.ReadSpendLogAsync(new SpendLogQuery(), Ct)).Select(e => e.LeaseId));

        // The failed commit changed nothing: its lease is still active, and can be settled.
        Assert.Equal(SettlementStatus.Settled, ledger.Release("overflowing").Status);
        Assert.Equal((long.MaxValue - 10, 5L), Amounts(await ledger.GetStateAsync(huge, Ct)));
    }

    [Fact]
    public async Task ABatchThatTimesOut_IsRetriedUnderTheSameLeaseIds_ThenEveryCallerGetsBudgetLedgerUnavailable_AndTheLeasesReserveOnceLater()
    {
        var server = await PostgresTestServer.SharedAsync();
        await using var raw = new PostgresBudgetLedger(new PostgresLedgerOptions { ConnectionString = server.ConnectionString("Command Timeout=1"), Schema = _schema });
        var ledger = new ResilientBudgetLedger(raw, raw.Description, PostgresBudgetLedger.IsTransient, retryDelay: TimeSpan.FromMilliseconds(1));
        var agents = new BudgetPool("agents", 1_000_000);
        await ledger.GetStateAsync(agents, Ct);

        await using (var holder = await HoldPoolAsync(server, agents.Key))
        {
            var calls = Enumerable.Range(0, 6).Select(i => Task.Run(() => ledger.ReserveAsync(Request($"r{i}", 100, agents), Ct).AsTask(), Ct)).ToList();
            foreach (var call in calls)
            {
                var error = await Assert.ThrowsAsync<BudgetLedgerUnavailableException>(() => call);
                Assert.True(PostgresBudgetLedger.IsTransient(error.InnerException!));
            }

            // Three tries each (two retries) under the same lease ids.
            Assert.Equal(18, raw.BatchStatistics.Operations);
            await holder.RollbackAsync(Ct);
        }

        var again = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => ledger.ReserveAsync(Request($"r{i}", 100, agents), Ct).AsTask()));
        Assert.All(again, r => Assert.True(r.Granted));
        Assert.Equal(600, (await ledger.GetStateAsync(agents, Ct)).ReservedMicros);
    }

    [Fact]
    public async Task Options_BatchingOff_GivesEveryOperationATransactionOfItsOwn_AndABadBatchSizeIsRefused()
    {
        var server = await PostgresTestServer.SharedAsync();
        await using var ledger = new PostgresBudgetLedger(new PostgresLedgerOptions { ConnectionString = server.ConnectionString(), Schema = _schema, Batching = false });
        var agents = new BudgetPool("agents", 1_000);
        await ledger.GetStateAsync(agents, Ct);
        var calls = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => ledger.ReserveAsync(Request($"r{i}", 10, agents), Ct).AsTask(), Ct)));
        Assert.All(calls, r => Assert.True(r.Granted));
        Assert.Equal((8L, 1), (ledger.BatchStatistics.Batches, ledger.BatchStatistics.LargestBatch));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new PostgresBudgetLedger(new PostgresLedgerOptions { ConnectionString = server.ConnectionString(), MaxBatchSize = 0 }));
        Assert.StartsWith("PostgresLedgerOptions.MaxBatchSize must be between 1 and 1,000", error.Message, StringComparison.Ordinal);
    }

    private PostgresBudgetLedger Ledger(PostgresTestServer server) =>
        new(new PostgresLedgerOptions { ConnectionString = server.ConnectionString(), Schema = _schema });

    private static ReservationRequest Request(string lease, long amount, params BudgetPool[] pools) => new(lease, pools, amount, TimeSpan.FromMinutes(5));

    private static (long Spent, long Reserved) Amounts(BudgetPoolState state) => (state.SpentMicros, state.ReservedMicros);

    /// <summary>Another connection's transaction holding the pool's row lock until it rolls back (or is disposed).</summary>
    private async Task<PoolHolder> HoldPoolAsync(PostgresTestServer server, string key)
    {
        var connection = new NpgsqlConnection(server.ConnectionString());
        await connection.OpenAsync(Ct);
        var transaction = await connection.BeginTransactionAsync(Ct);
        await using var command = new NpgsqlCommand($"SELECT key FROM \"{_schema}\".pools WHERE key = $1 FOR UPDATE", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        Assert.Equal(key, await command.ExecuteScalarAsync(Ct));
        return new PoolHolder(connection, transaction);
    }

    private sealed class PoolHolder(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public Task RollbackAsync(CancellationToken cancellationToken) => transaction.RollbackAsync(cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
