using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentGuard.Http.DependencyInjection;

/// <summary>Pings a budget's ledger: when its store cannot be reached, guarded calls are refused (fail closed).</summary>
internal sealed class LedgerHealthCheck(IBudgetSessionProvider sessions, string budgetName) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await sessions.Get(budgetName).Ledger.PingAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"The ledger of budget '{budgetName}' is reachable.");
        }
        catch (BudgetLedgerUnavailableException ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The ledger of budget '{budgetName}' is unreachable: guarded calls are refused.", ex);
        }
    }
}
