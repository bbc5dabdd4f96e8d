using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentGuard.Http.Ledgers.Tests.FailClosed;

/// <summary>The health check of a budget's store: Healthy while it answers, Unhealthy when calls would be refused.</summary>
public sealed class LedgerHealthCheckTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HealthCheck_IsHealthy_WhenTheStoreAnswers()
    {
        string directory = Directory.CreateTempSubdirectory("agentguard-health-").FullName;
        try
        {
            await using var sp = Services(Path.Combine(directory, "budget.db"));

            var report = await sp.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);

            var entry = Assert.Single(report.Entries);
            Assert.Equal("agentguard-ledger-agents", entry.Key);
            Assert.Equal(HealthStatus.Healthy, entry.Value.Status);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task HealthCheck_IsUnhealthy_WhenTheStoreCannotBeReached()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"agentguard-missing-{Guid.NewGuid():N}", "budget.db");
        await using var sp = Services(missing);

        var report = await sp.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);

        var entry = Assert.Single(report.Entries).Value;
        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("guarded calls are refused", entry.Description, StringComparison.Ordinal);
        Assert.IsType<BudgetLedgerUnavailableException>(entry.Exception);
    }

    private static ServiceProvider Services(string sqlitePath)
    {
        var services = new ServiceCollection();
        services.AddHttpClient("openai").AddAgentGuard(o => { o.BudgetUsd = 5; o.BudgetName = "agents"; });
        services.AddAgentGuardBudget("agents").UseSqliteLedger(sqlitePath);
        services.AddHealthChecks().AddAgentGuardLedger("agents");
        return services.BuildServiceProvider();
    }
}
