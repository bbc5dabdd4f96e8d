namespace AgentGuard.Http.DependencyInjection;

/// <summary>The names of the HttpClients that <c>AddAgentGuard</c> guards (their options are named after them).</summary>
internal sealed class AgentGuardRegistrations
{
    public HashSet<string> ClientNames { get; } = new(StringComparer.Ordinal);

    /// <summary>The budget a client draws from: its configured name, else the client's name, else "default".</summary>
    public static string BudgetNameOf(string clientName, AgentGuardOptions options) =>
        options.BudgetName ?? (string.IsNullOrEmpty(clientName) ? "default" : clientName);
}

/// <summary>A marker validated on start: the budgets that several clients share are configured alike.</summary>
internal sealed class SharedBudgetsMarker;
