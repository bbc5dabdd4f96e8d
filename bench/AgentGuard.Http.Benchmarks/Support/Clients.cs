namespace AgentGuard.Http.Benchmarks.Support;

/// <summary>The two clients compared: a raw HttpClient, and the same one guarded by a budget that never runs out.</summary>
public static class Clients
{
    /// <summary>Far more than any run can spend: the budget never refuses, so the measured path is the common one.</summary>
    public const decimal HugeBudgetUsd = 1_000_000_000_000m;

    public static Uri InMemoryEndpoint { get; } = new("https://api.openai.com/v1/chat/completions");

    public static HttpClient Raw(HttpMessageHandler inner) => new(inner, disposeHandler: true);

    public static HttpClient Guarded(HttpMessageHandler inner) => Guarded(inner, out _);

    public static HttpClient Guarded(HttpMessageHandler inner, out BudgetedSession session)
    {
        var options = new AgentGuardOptions { BudgetUsd = HugeBudgetUsd, BudgetName = "bench" };
        session = BudgetedSession.Create(options);
        return new HttpClient(new BudgetGuardHandler(session, options) { InnerHandler = inner }, disposeHandler: true);
    }
}
