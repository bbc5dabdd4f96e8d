namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures one budget's store (returned by <c>AddAgentGuardBudget</c>); store packages add their <c>Use...Ledger</c> methods to it.</summary>
public interface IAgentGuardBudgetBuilder
{
    /// <summary>The services.</summary>
    IServiceCollection Services { get; }

    /// <summary>The budget.</summary>
    string BudgetName { get; }
}
