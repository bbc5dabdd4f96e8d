using AgentGuard.Http.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentGuard.Http.Ledgers.Tests.Postgres;

/// <summary><c>UsePostgresLedger</c> puts a budget in PostgreSQL: every process that registers the same store shares it.</summary>
public sealed class PostgresLedgerRegistrationTests
{
    private readonly string _schema = "di" + Guid.NewGuid().ToString("N")[..10];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UsePostgresLedger_KeepsTheBudgetInTheDatabase_WhereASeparateLedgerSeesIt()
    {
        var server = await PostgresTestServer.SharedAsync();
        await using var provider = Provider(server.ConnectionString(), budgetUsd: 5);
        var session = provider.GetRequiredKeyedService<BudgetedSession>("agents");
        await using var other = new PostgresBudgetLedger(new PostgresLedgerOptions { ConnectionString = server.ConnectionString(), Schema = _schema });

        Assert.Equal(5m, session.GetBudget());
        var seen = await other.GetStateAsync(new BudgetPool("agents", 1), Ct);
        Assert.Equal(5_000_000, seen.LimitMicros);
        Assert.True((await other.ReserveAsync(new ReservationRequest("elsewhere", [new BudgetPool("agents", 1)], 2_000_000, TimeSpan.FromMinutes(5)), Ct)).Granted);
        await other.CommitAsync("elsewhere", 1_250_000, Ct);

        Assert.Equal(1.25m, session.GetTotalSpent());
        Assert.Equal(3.75m, (await session.GetSummaryAsync(Ct)).Remaining);
    }

    [Fact]
    public async Task TheOptionsLimitSeedsThePool_AndAStoredLimitSurvivesARestart()
    {
        var server = await PostgresTestServer.SharedAsync();
        await using (var first = Provider(server.ConnectionString(), budgetUsd: 5))
        {
            Assert.Equal(5m, first.GetRequiredKeyedService<BudgetedSession>("agents").GetBudget());
        }

        await using (var admin = new PostgresBudgetLedger(new PostgresLedgerOptions { ConnectionString = server.ConnectionString(), Schema = _schema }))
        {
            Assert.Equal(9_000_000, (await admin.SetLimitAsync("agents", 9_000_000, Ct)).LimitMicros);
        }

        // The host restarts with the same options: the limit set in the store wins over the configured seed.
        await using var restarted = Provider(server.ConnectionString(), budgetUsd: 5);
        Assert.Equal(9m, restarted.GetRequiredKeyedService<BudgetedSession>("agents").GetBudget());
        await using var again = new PostgresBudgetLedger(new PostgresLedgerOptions { ConnectionString = server.ConnectionString(), Schema = _schema });
        Assert.Equal(9_000_000, (await again.GetStateAsync(new BudgetPool("agents", 5_000_000), Ct)).LimitMicros);
    }

    [Fact]
    public async Task TwoStoresForOneBudget_FailAtStartup_NamingTheBudget()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("a").AddAgentGuard(o => { o.BudgetUsd = 5; o.BudgetName = "agents"; });
        services.AddAgentGuardBudget("agents").UsePostgresLedger("Host=127.0.0.1;Port=5432;Database=one;Username=u;Password=secret");
        services.AddAgentGuardBudget("agents").UsePostgresLedger("Host=127.0.0.1;Port=5432;Database=two;Username=u;Password=secret");
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("'agents'", error.Message, StringComparison.Ordinal);
        Assert.Contains("postgres://127.0.0.1:5432/one", error.Message, StringComparison.Ordinal);
        Assert.Contains("postgres://127.0.0.1:5432/two", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSameStoreTwice_IsOneStore_AndAnotherSchemaIsAnother()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("a").AddAgentGuard(o => { o.BudgetUsd = 5; o.BudgetName = "agents"; });
        services.AddAgentGuardBudget("agents").UsePostgresLedger("Host=db;Database=app;Username=u");
        services.AddAgentGuardBudget("agents").UsePostgresLedger("Host=db;Database=app;Username=v;Password=other");
        using (var provider = services.BuildServiceProvider())
        {
            provider.GetRequiredService<IStartupValidator>().Validate();
        }

        services.AddAgentGuardBudget("agents").UsePostgresLedger("Host=db;Database=app", o => o.Schema = "elsewhere");
        using var conflicting = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => conflicting.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("postgres://db:5432/app?schema=elsewhere", error.Message, StringComparison.Ordinal);
    }

    private ServiceProvider Provider(string connectionString, decimal budgetUsd)
    {
        var services = new ServiceCollection();
        services.AddHttpClient("a").AddAgentGuard(o => { o.BudgetUsd = budgetUsd; o.BudgetName = "agents"; });
        services.AddAgentGuardBudget("agents").UsePostgresLedger(connectionString, o => o.Schema = _schema);
        var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();
        return provider;
    }
}
