namespace AgentGuard.Http.DependencyInjection;

/// <summary>The names of the HttpClients that <c>AddAgentGuard</c> guards (their options are named after them).</summary>
internal sealed class AgentGuardRegistrations
{
    public HashSet<string> ClientNames { get; } = new(StringComparer.Ordinal);

    /// <summary>The budget a client draws from: its configured name, else the client's name, else "default".</summary>
    public static string BudgetNameOf(string clientName, AgentGuardOptions options) =>
        options.BudgetName ?? (string.IsNullOrEmpty(clientName) ? "default" : clientName);
}

/// <summary>The store of one budget, named after the budget (set by <c>AddAgentGuardBudget(name).UseLedger(...)</c>).</summary>
internal sealed class AgentGuardBudgetOptions
{
    public List<LedgerRegistration> Ledgers { get; } = [];
}

/// <summary>A ledger factory and a description of its store (without credentials) that tells two stores apart.</summary>
internal sealed record LedgerRegistration(string Description, Func<IServiceProvider, IBudgetLedger> Factory);

/// <summary>A marker validated on start: the budgets that several clients share are configured alike.</summary>
internal sealed class SharedBudgetsMarker;
