using AgentGuard.Http;
using AgentGuard.Http.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers where a budget lives, and a health check of its store.</summary>
public static class AgentGuardServiceCollectionExtensions
{
    /// <summary>
    /// Configures the budget named <paramref name="budgetName"/> (its limit and other settings come from the clients that
    /// name it in <c>AddAgentGuard</c>). The store belongs to the budget: every client drawing from it shares it.
    /// </summary>
    /// <example><c>services.AddAgentGuardBudget("agents").UseSqliteLedger("budget.db");</c></example>
    public static IAgentGuardBudgetBuilder AddAgentGuardBudget(this IServiceCollection services, string budgetName)
    {
        ArgumentNullException.ThrowIfNull(services);
        BudgetPoolKeys.ThrowIfInvalidPart(budgetName, "budget name");
        services.AddOptions<AgentGuardBudgetOptions>(budgetName);
        return new AgentGuardBudgetBuilder(services, budgetName);
    }

    /// <summary>
    /// Keeps the budget in <paramref name="factory"/>'s ledger. Registering two different stores for one budget fails at
    /// startup. Store packages call this from their <c>Use...Ledger</c> methods.
    /// </summary>
    /// <param name="builder">The budget.</param>
    /// <param name="description">The store, without credentials (<c>sqlite:/data/budget.db</c>): two budgets with the same description share one ledger.</param>
    /// <param name="factory">Creates the ledger, once per store.</param>
    public static IAgentGuardBudgetBuilder UseLedger(this IAgentGuardBudgetBuilder builder, string description, Func<IServiceProvider, IBudgetLedger> factory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(description);
        ArgumentNullException.ThrowIfNull(factory);
        builder.Services.Configure<AgentGuardBudgetOptions>(builder.BudgetName, o => o.Ledgers.Add(new LedgerRegistration(description, factory)));
        return builder;
    }

    /// <summary>Reports whether a budget's store can be reached (Unhealthy when it cannot: calls are then refused).</summary>
    public static IHealthChecksBuilder AddAgentGuardLedger(this IHealthChecksBuilder builder, string budgetName, string? name = null, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name ?? $"agentguard-ledger-{budgetName}",
            sp => new LedgerHealthCheck(sp.GetRequiredService<IBudgetSessionProvider>(), budgetName),
            failureStatus,
            tags));
    }

    private sealed record AgentGuardBudgetBuilder(IServiceCollection Services, string BudgetName) : IAgentGuardBudgetBuilder;
}
