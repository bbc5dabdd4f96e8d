namespace AgentGuard.Http;

/// <summary>
/// The sessions of the budgets registered with <c>AddAgentGuard</c>, including those of dynamic scopes (a tenant, a
/// user), which keyed services cannot list. Resolve it from DI.
/// </summary>
public interface IBudgetSessionProvider
{
    /// <summary>The names of the registered budgets.</summary>
    IReadOnlyCollection<string> BudgetNames { get; }

    /// <summary>The session of a budget, or of one scope of it.</summary>
    /// <exception cref="InvalidOperationException">No guarded client uses the budget, or the scope's level has no limit.</exception>
    BudgetedSession Get(string budgetName, BudgetScope? scope = null);
}
