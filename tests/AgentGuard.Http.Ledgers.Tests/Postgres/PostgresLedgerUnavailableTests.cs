using System.Diagnostics;
using AgentGuard.Http.Postgres;
using Microsoft.Extensions.DependencyInjection;

namespace AgentGuard.Http.Ledgers.Tests.Postgres;

/// <summary>A server that cannot be reached refuses calls (fail closed) within a short, bounded time.</summary>
public sealed class PostgresLedgerUnavailableTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StoppedServer_RefusesReservations_WithBudgetLedgerUnavailable_WithinABoundedTime()
    {
        await using var server = await PostgresTestServer.StartAsync();
        string connection = server.ConnectionString("Timeout=2");
        var ledger = new ResilientBudgetLedger(
            new PostgresBudgetLedger(new PostgresLedgerOptions { ConnectionString = connection }),
            "postgres://test",
            static ex => ex is Npgsql.NpgsqlException { IsTransient: true });
        var pool = new BudgetPool("down", 1_000);
        Assert.True((await ledger.ReserveAsync(new ReservationRequest("before", [pool], 100, TimeSpan.FromMinutes(5)), Ct)).Granted);

        await server.StopAsync(mode: "fast");

        var clock = Stopwatch.StartNew();
        var sync = Assert.Throws<BudgetLedgerUnavailableException>(() => ledger.Reserve(new ReservationRequest("sync", [pool], 100, TimeSpan.FromMinutes(5))));
        Assert.True(clock.Elapsed < s_bound, $"the synchronous refusal took {clock.Elapsed}");
        clock.Restart();
        var async = await Assert.ThrowsAsync<BudgetLedgerUnavailableException>(async () => await ledger.ReserveAsync(new ReservationRequest("async", [pool], 100, TimeSpan.FromMinutes(5)), Ct));
        Assert.True(clock.Elapsed < s_bound, $"the asynchronous refusal took {clock.Elapsed}");
        await Assert.ThrowsAsync<BudgetLedgerUnavailableException>(async () => await ledger.PingAsync(Ct));
        Assert.Equal("postgres://test", sync.Ledger);
        Assert.NotNull(async.InnerException);
    }

    [Fact]
    public async Task NoServer_FailsClosedOnTheFirstUse_ThroughTheRegisteredLedger()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("a").AddAgentGuard(o => { o.BudgetUsd = 5; o.BudgetName = "agents"; });

        // Port 1 on loopback: nothing listens, the connection is refused at once.
        services.AddAgentGuardBudget("agents").UsePostgresLedger("Host=127.0.0.1;Port=1;Username=u;Password=secret;Database=budgets;Timeout=2");
        await using var provider = services.BuildServiceProvider();
        var session = provider.GetRequiredKeyedService<BudgetedSession>("agents");

        var clock = Stopwatch.StartNew();
        var refused = Assert.Throws<BudgetLedgerUnavailableException>(() => session.GetRemainingBudget());

        Assert.True(clock.Elapsed < s_bound, $"took {clock.Elapsed}");
        Assert.Equal("postgres://127.0.0.1:1/budgets", refused.Ledger);
        Assert.DoesNotContain("secret", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<BudgetLedgerUnavailableException>(async () => await session.GetSummaryAsync(Ct));
    }
}
