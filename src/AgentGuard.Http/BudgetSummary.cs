namespace AgentGuard.Http;

/// <summary>A budget's state and this process's call counts since the last reset.</summary>
/// <param name="BudgetName">The budget.</param>
/// <param name="Budget">The limit, in USD.</param>
/// <param name="Spent">What settled calls cost, in USD.</param>
/// <param name="Reserved">What calls in flight hold, in USD.</param>
/// <param name="Remaining">Budget minus spent minus reserved, in USD, never below zero.</param>
/// <param name="UtilizationPercent">Spent as a percentage of the budget.</param>
/// <param name="Calls">Calls that were admitted and sent.</param>
/// <param name="RefusedCalls">Calls refused because the budget could not cover them.</param>
/// <param name="SpendByModel">Settled spend per model as the requests named it, in USD.</param>
public sealed record BudgetSummary(
    string BudgetName,
    decimal Budget,
    decimal Spent,
    decimal Reserved,
    decimal Remaining,
    decimal UtilizationPercent,
    long Calls,
    long RefusedCalls,
    IReadOnlyDictionary<string, decimal> SpendByModel);
