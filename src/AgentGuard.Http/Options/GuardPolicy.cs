using System.Collections.Frozen;
using AgentGuard.Http.Estimation;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Providers;

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
        AllowedUnboundedEndpoints = [.. (options.AllowedUnboundedEndpoints ?? []).Select(AllowedEndpoint.Parse)];
        Router = options.Provider is { } provider ? new ProviderRouter(LlmProviders.Find(provider)) : ProviderRouter.ByRequest;
        DefaultMaxOutputTokens = options.DefaultMaxOutputTokens;
        ClampOutputToBudget = options.ClampOutputToBudget;
        MinClampedOutputTokens = options.MinClampedOutputTokens;
        BackgroundLeaseDuration = options.BackgroundLeaseDuration;
        MaxRequestBodyBytes = options.MaxRequestBodyBytes;
    }

    /// <summary>The client's price multiplier and hosted tool fees, for estimation and settlement.</summary>
    public EstimationContext Estimation { get; }

    /// <summary>Azure deployments: the model each runs and its price multiplier.</summary>
    public FrozenDictionary<string, (string Model, decimal PriceMultiplier)> AzureDeployments { get; }

    /// <summary>The unbounded endpoints the client may call.</summary>
    public AllowedEndpoint[] AllowedUnboundedEndpoints { get; }

    /// <summary>Routes the client's requests: to the provider it names, else by host and path.</summary>
    public ProviderRouter Router { get; }

    public int? DefaultMaxOutputTokens { get; }

    public bool ClampOutputToBudget { get; }

    public int MinClampedOutputTokens { get; }

    public TimeSpan BackgroundLeaseDuration { get; }

    /// <summary>The largest body the guard reads (<see cref="AgentGuardOptions.MaxRequestBodyBytes"/>).</summary>
    public int MaxRequestBodyBytes { get; }

    /// <summary>
    /// Whether an unbounded endpoint of <paramref name="provider"/> is allowed by name: a name allows itself and every path
    /// below it, on the provider it is prefixed with (<c>openai:images</c>) or, unprefixed, on any provider.
    /// </summary>
    public bool AllowsUnboundedEndpoint(LlmProvider provider, string name)
    {
        foreach (var allowed in AllowedUnboundedEndpoints)
        {
            if (allowed.Allows(provider, name))
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
            table = table.With(file, $"the prices file '{path}'");
        }

        return table.With(options.Prices, "prices set in code");
    }
}

/// <summary>An entry of <see cref="AgentGuardOptions.AllowedUnboundedEndpoints"/>: <c>[provider:]name</c>.</summary>
/// <param name="Provider">The provider it is limited to (<see langword="null"/>: any).</param>
/// <param name="Name">The endpoint name (lower case, no slashes around).</param>
internal readonly record struct AllowedEndpoint(string? Provider, string Name)
{
    /// <summary>Splits a validated entry (a known provider's name, if prefixed).</summary>
    public static AllowedEndpoint Parse(string entry)
    {
        var (provider, name) = Split(entry);
        return new AllowedEndpoint(provider, name.Trim('/').ToLowerInvariant());
    }

    /// <summary>
    /// The provider prefix (the text before the first <c>:</c>, when it holds no <c>/</c>: a path may hold colons, as
    /// Gemini's <c>models/{id}:countTokens</c> does) and the rest.
    /// </summary>
    public static (string? Provider, string Name) Split(string entry)
    {
        int colon = entry.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 || entry.AsSpan(0, colon).Contains('/') ? (null, entry) : (entry[..colon].Trim(), entry[(colon + 1)..]);
    }

    public bool Allows(LlmProvider provider, string name) =>
        (Provider is null || Provider.Equals(provider.Name, StringComparison.OrdinalIgnoreCase))
        && (name.Equals(Name, StringComparison.Ordinal)
            || (name.StartsWith(Name, StringComparison.Ordinal) && name.Length > Name.Length && name[Name.Length] == '/'));
}
