using AgentGuard.Http.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentGuard.Http.Ledgers.Tests.Redis;

/// <summary><c>AddAgentGuardBudget(...).UseRedisLedger(...)</c>: the budget lives in Redis, its limit seeds the pool once, and conflicting stores fail at startup.</summary>
[Collection(RedisTestServer.Collection)]
public sealed class RedisLedgerRegistrationTests
{
    private readonly string _prefix = "di" + Guid.NewGuid().ToString("N")[..12] + ":";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UseRedisLedger_KeepsTheBudgetInRedis_SharedWithASeparatelyConstructedLedger()
    {
        var server = await RedisTestServer.SharedAsync();
        await using var sp = Services(server.Configuration, budgetUsd: 5);
        sp.GetRequiredService<IStartupValidator>().Validate();
        var session = sp.GetRequiredKeyedService<BudgetedSession>("agents");
        await using var other = new RedisBudgetLedger(new RedisLedgerOptions { Configuration = server.Configuration, KeyPrefix = _prefix });

        Assert.Equal(5m, session.GetBudget());
        Assert.Equal(5_000_000, (await other.GetStateAsync(new BudgetPool("agents", 1), Ct)).LimitMicros);
        Assert.True((await other.ReserveAsync(new ReservationRequest("elsewhere", [new BudgetPool("agents", 1)], 1_250_000, TimeSpan.FromMinutes(5)), Ct)).Granted);
        Assert.Equal(1.25m, session.GetReserved());
        await other.CommitAsync("elsewhere", 1_000_000, Ct);
        Assert.Equal((1m, 0m, 4m), (session.GetTotalSpent(), session.GetReserved(), session.GetRemainingBudget()));
        await session.ResetAsync(Ct);
        Assert.Equal(0, (await other.GetStateAsync(new BudgetPool("agents", 1), Ct)).SpentMicros);
    }

    [Fact]
    public async Task TheLimitFromOptionsSeedsThePool_AndAStoredLimitSurvivesARestart()
    {
        var server = await RedisTestServer.SharedAsync();
        await using (var first = Services(server.Configuration, budgetUsd: 5))
        {
            var session = first.GetRequiredKeyedService<BudgetedSession>("agents");
            Assert.Equal(5m, session.GetBudget());
            await using var cli = new RedisBudgetLedger(new RedisLedgerOptions { Configuration = server.Configuration, KeyPrefix = _prefix });
            Assert.Equal(8_000_000, (await cli.SetLimitAsync("agents", 8_000_000, Ct)).LimitMicros);
            Assert.Equal(8m, session.GetBudget());
        }

        // A restart with the same options: the stored limit wins over the configured seed.
        await using var restarted = Services(server.Configuration, budgetUsd: 5);
        Assert.Equal(8m, restarted.GetRequiredKeyedService<BudgetedSession>("agents").GetBudget());
        await using var raw = new RedisBudgetLedger(new RedisLedgerOptions { Configuration = server.Configuration, KeyPrefix = _prefix });
        Assert.Equal(8_000_000, raw.GetState(new BudgetPool("agents", 5_000_000)).LimitMicros);
    }

    [Fact]
    public void TwoDifferentStoresForOneBudget_FailAtStartup_NamingTheBudget()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("a").AddAgentGuard(o => { o.BudgetUsd = 5; o.BudgetName = "agents"; });
        services.AddAgentGuardBudget("agents").UseRedisLedger("127.0.0.1:6390");
        services.AddAgentGuardBudget("agents").UseRedisLedger("127.0.0.1:6390", o => o.KeyPrefix = "other:");
        using var sp = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("'agents'", error.Message, StringComparison.Ordinal);
        Assert.Contains("redis:127.0.0.1:6390, redis:127.0.0.1:6390 (key prefix 'other:')", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Description_NamesTheEndpoints_WithoutThePassword()
    {
        var options = new RedisLedgerOptions { Configuration = "cache.internal:6380,localhost,password=s3cret,defaultDatabase=2" };

        string description = RedisBudgetLedger.Describe(options);

        Assert.Equal("redis:cache.internal:6380,localhost:6379/2", description);
    }

    [Fact]
    public void KeyPrefix_WithABrace_IsRefusedAtRegistration()
    {
        var budget = new ServiceCollection().AddAgentGuardBudget("agents");

        Assert.Throws<ArgumentException>(() => budget.UseRedisLedger("localhost", o => o.KeyPrefix = "app{1}:"));
    }

    private ServiceProvider Services(string configuration, decimal budgetUsd)
    {
        var services = new ServiceCollection();
        services.AddHttpClient("a").AddAgentGuard(o => { o.BudgetUsd = budgetUsd; o.BudgetName = "agents"; });
        services.AddAgentGuardBudget("agents").UseRedisLedger(configuration, o => o.KeyPrefix = _prefix);
        return services.BuildServiceProvider();
    }
}
