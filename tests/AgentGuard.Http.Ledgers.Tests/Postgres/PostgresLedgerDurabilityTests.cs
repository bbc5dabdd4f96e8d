using AgentGuard.Http.Postgres;
using Npgsql;

namespace AgentGuard.Http.Ledgers.Tests.Postgres;

/// <summary>
/// With <c>synchronous_commit=on</c>, what the ledger acknowledged survives a crash of the server
/// (<c>pg_ctl stop -m immediate</c>: no checkpoint, recovery replays the WAL), and the ledger reconnects by itself.
/// </summary>
public sealed class PostgresLedgerDurabilityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CommittedSpend_AndReservationsInFlight_SurviveACrashAndRestartOfTheServer()
    {
        await using var server = await PostgresTestServer.StartAsync();
        var options = new PostgresLedgerOptions { ConnectionString = server.ConnectionString() };
        var pool = new BudgetPool("durable", 10_000);
        var ledger = new ResilientBudgetLedger(new PostgresBudgetLedger(options), "postgres://durable", static ex => ex is NpgsqlException { IsTransient: true });
        Assert.True((await ledger.ReserveAsync(new ReservationRequest("done", [pool], 500, TimeSpan.FromHours(1)), Ct)).Granted);
        Assert.Equal(SettlementStatus.Settled, ledger.Commit("done", 300).Status);
        Assert.True(ledger.Reserve(new ReservationRequest("inflight", [pool], 200, TimeSpan.FromHours(1))).Granted);
        Assert.True(await ledger.TryClaimWarningAsync(pool.Key, 30m, Ct));

        await server.StopAsync(mode: "immediate");
        await server.StartAgainAsync();

        // A ledger created after the restart (another process) sees everything that was acknowledged.
        await using (var restarted = new PostgresBudgetLedger(options))
        {
            var state = await restarted.GetStateAsync(new BudgetPool("durable", 1), Ct);
            Assert.Equal((10_000L, 300L, 200L), (state.LimitMicros, state.SpentMicros, state.ReservedMicros));
            Assert.Equal([SpendOutcome.SettledFromUsage], (await restarted.ReadSpendLogAsync(new SpendLogQuery("durable"), Ct)).Select(e => e.Outcome));
            Assert.False(await restarted.TryClaimWarningAsync(pool.Key, 30m, Ct));
            Assert.Equal(SettlementStatus.AlreadySettled, (await restarted.CommitAsync("done", 300, Ct)).Status);
        }

        // The ledger from before the crash holds broken pooled connections: a transient error, retried.
        Assert.Equal(SettlementStatus.Settled, (await ledger.CommitAsync("inflight", 150, Ct)).Status);
        var after = ledger.GetState(pool);
        Assert.Equal((450L, 0L), (after.SpentMicros, after.ReservedMicros));
    }
}
