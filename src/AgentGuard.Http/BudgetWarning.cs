namespace AgentGuard.Http;

/// <summary>Raised when a budget's settled spend crosses a warning threshold.</summary>
/// <param name="BudgetName">The budget.</param>
/// <param name="Threshold">The threshold crossed, in percent of the budget.</param>
/// <param name="Spent">What the budget has spent, in USD.</param>
/// <param name="Remaining">The budget minus spent minus reserved, in USD, never below zero (as <see cref="BudgetedSession.GetRemainingBudget"/>).</param>
/// <param name="Budget">The budget's limit, in USD.</param>
public sealed record BudgetWarning(string BudgetName, decimal Threshold, decimal Spent, decimal Remaining, decimal Budget);
