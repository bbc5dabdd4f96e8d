using AgentGuard.Http.Pricing;

namespace AgentGuard.Http;

/// <summary>
/// A client's options compiled once (price table merged, prices file read) and shared by every handler
/// the factory creates for the client: handlers are pooled and recycled, the policy is not.
/// </summary>
internal sealed class GuardPolicy
{
    private GuardPolicy(AgentGuardOptions options, PriceTable prices, IBudgetScopeSelector? scopeSelector)
    {
        ScopeSelector = scopeSelector;
        FailOpen = options.FailOpen;
        Prices = prices;
        DefaultTier = options.ServiceTier;
        RefusalMode = options.RefusalMode;
        LeaseDuration = options.LeaseDuration;
        AllowUnboundedRequests = options.AllowUnboundedRequests;
        OnBudgetExceeded = options.OnBudgetExceeded;
    }

    public PriceTable Prices { get; }

    public ServiceTier DefaultTier { get; }

    public BudgetRefusalMode RefusalMode { get; }

    public TimeSpan LeaseDuration { get; }

    public bool AllowUnboundedRequests { get; }

    public Action<BudgetExceededException>? OnBudgetExceeded { get; }

    public bool FailOpen { get; }

    /// <summary>The app's scope selector (from DI), consulted when a request carries no scope.</summary>
    public IBudgetScopeSelector? ScopeSelector { get; }

    /// <summary>Compiles validated options. Throws <see cref="InvalidDataException"/> for an unreadable prices file.</summary>
    public static GuardPolicy From(AgentGuardOptions options, IBudgetScopeSelector? scopeSelector = null) =>
        new(options, BuildPriceTable(options), scopeSelector);

    public static PriceTable BuildPriceTable(AgentGuardOptions options)
    {
        var table = PriceTable.Embedded;
        if (options.PricesFile is { } path)
        {
            var file = PriceTableJson.ReadFile(path);
            table = table.With(file.Models, $"the prices file '{path}'");
        }

        return table.With(options.Prices, "prices set in code");
    }
}
