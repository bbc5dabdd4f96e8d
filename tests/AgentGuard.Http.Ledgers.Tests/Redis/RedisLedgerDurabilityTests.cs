using AgentGuard.Http.Redis;

namespace AgentGuard.Http.Ledgers.Tests.Redis;

/// <summary>
/// With <c>appendonly yes</c> and <c>appendfsync always</c>, every acknowledged write is on disk: committed spend,
/// reservations in flight, limits, warning claims, leases and the spend log survive the server stopping at once
/// (SHUTDOWN NOSAVE, or SIGKILL) right after the last acknowledgement, and a restart on the same directory.
/// </summary>
[Collection(RedisTestServer.Collection)]
public sealed class RedisLedgerDurabilityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AcknowledgedWrites_SurviveAnAbruptStopAndRestart_WithAppendFsyncAlways(bool killed)
    {
        await using var server = await RedisTestServer.StartAsync();
        var options = new RedisLedgerOptions { Configuration = server.Configuration };
        var pool = new BudgetPool("durable", 10_000_000);
        long committed = 0;
        await using (var ledger = new RedisBudgetLedger(options))
        {
            for (int i = 0; i < 20; i++)
            {
                var request = new ReservationRequest($"call{i}", [pool], 5_000, TimeSpan.FromHours(1)) { Model = "gpt-4o-mini" };
                long cost = 1_000 + i;
                if (i % 2 == 0)
                {
                    Assert.True(ledger.Reserve(request).Granted);
                    Assert.Equal(SettlementStatus.Settled, ledger.Commit(request.LeaseId, cost).Status);
                }
                else
                {
                    Assert.True((await ledger.ReserveAsync(request, Ct)).Granted);
                    Assert.Equal(SettlementStatus.Settled, (await ledger.CommitAsync(request.LeaseId, cost, Ct)).Status);
                }

                committed += cost;
            }

            Assert.True(ledger.Reserve(new ReservationRequest("inflight", [pool], 7_000, TimeSpan.FromHours(1))).Granted);
            await ledger.SetLimitAsync(pool.Key, 20_000_000, Ct);
            Assert.True(ledger.TryClaimWarning(pool.Key, 50m));
        }

        if (killed)
        {
            await server.KillAsync();
        }
        else
        {
            await server.ShutdownNoSaveAsync();
        }

        await server.RestartAsync();
        await using var after = new RedisBudgetLedger(options);

        var state = after.GetState(new BudgetPool(pool.Key, 1));
        Assert.Equal((20_000_000L, committed, 7_000L), (state.LimitMicros, state.SpentMicros, state.ReservedMicros));
        var log = await after.ReadSpendLogAsync(new SpendLogQuery(pool.Key), Ct);
        Assert.Equal(20, log.Count);
        Assert.Equal(committed, log.Sum(e => e.CostMicros));
        Assert.False(after.TryClaimWarning(pool.Key, 50m));
        Assert.Equal(SettlementStatus.AlreadySettled, after.Commit("call3", 1).Status);
        Assert.Equal(SettlementStatus.Settled, (await after.CommitAsync("inflight", 6_000, Ct)).Status);
        Assert.Equal((committed + 6_000, 0L), (after.GetState(pool).SpentMicros, after.GetState(pool).ReservedMicros));
    }
}
