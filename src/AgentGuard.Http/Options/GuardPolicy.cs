using System.Collections.Frozen;
using AgentGuard.Http.Estimation;
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
        Estimation = new EstimationContext(options.PriceMultiplier)
        {
            HostedToolFees = (options.HostedToolFees ?? new Dictionary<string, decimal>()).ToFrozenDictionary(StringComparer.Ordinal),
            MaxToolCallsWhenAbsent = options.RequireMaxToolCalls ? null : options.AssumedMaxToolCalls,
        };
        AzureDeployments = (options.AzureDeployments ?? new Dictionary<string, AzureDeployment>())
            .ToFrozenDictionary(d => d.Key, d => (d.Value.Model, d.Value.PriceMultiplier), StringComparer.Ordinal);
        AllowedUnboundedEndpoints = [.. (options.AllowedUnboundedEndpoints ?? []).Select(e => e.Trim('/').ToLowerInvariant())];
        DefaultMaxOutputTokens = options.DefaultMaxOutputTokens;
        ClampOutputToBudget = options.ClampOutputToBudget;
        MinClampedOutputTokens = options.MinClampedOutputTokens;
        BackgroundLeaseDuration = options.BackgroundLeaseDuration;
    }

    /// <summary>The client's price multiplier and hosted tool fees, for estimation and settlement.</summary>
    public EstimationContext Estimation { get; }

    /// <summary>Azure deployments: the model each runs and its price multiplier.</summary>
    public FrozenDictionary<string, (string Model, decimal PriceMultiplier)> AzureDeployments { get; }

    /// <summary>Names of unbounded endpoints the client may call (lower case, no slashes around).</summary>
    public string[] AllowedUnboundedEndpoints { get; }

    public int? DefaultMaxOutputTokens { get; }

    public bool ClampOutputToBudget { get; }

    public int MinClampedOutputTokens { get; }

    public TimeSpan BackgroundLeaseDuration { get; }

    /// <summary>Whether an unbounded endpoint is allowed by name: a name allows itself and every path below it.</summary>
    public bool AllowsUnboundedEndpoint(string name)
    {
        foreach (string allowed in AllowedUnboundedEndpoints)
        {
            if (name.Equals(allowed, StringComparison.Ordinal)
                || (name.StartsWith(allowed, StringComparison.Ordinal) && name.Length > allowed.Length && name[allowed.Length] == '/'))
            {
                return true;
            }
        }

        return false;
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
