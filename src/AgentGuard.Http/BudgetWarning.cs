namespace AgentGuard.Http;

/// <summary>Raised when a budget's settled spend crosses a warning threshold.</summary>
/// <param name="BudgetName">The budget.</param>
/// <param name="Threshold">The threshold crossed, in percent of the budget.</param>
/// <param name="Spent">What the budget has spent, in USD.</param>
/// <param name="Remaining">The budget minus spent minus reserved, in USD, never below zero (as <see cref="BudgetedSession.GetRemainingBudget"/>).</param>
/// <param name="Budget">The budget's limit, in USD.</param>
public sealed record BudgetWarning(string BudgetName, decimal Threshold, decimal Spent, decimal Remaining, decimal Budget)
{
    /// <summary>The scope whose pool crossed the threshold (<c>tenant:42</c>), or <see langword="null"/> for the budget itself.</summary>
    public string? Scope { get; init; }

    /// <summary>The window the threshold was crossed in (<c>2026-11</c>), or <see langword="null"/> for a budget without windows.</summary>
    public string? Window { get; init; }
}
