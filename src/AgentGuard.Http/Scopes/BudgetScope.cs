namespace AgentGuard.Http;

/// <summary>One level of a scope: for example level <c>tenant</c>, id <c>42</c>.</summary>
/// <param name="Level">The scope level (limits are configured per level, see <see cref="AgentGuardOptions.ScopeLimits"/>).</param>
/// <param name="Id">The id at that level.</param>
public readonly record struct BudgetScopeSegment(string Level, string Id);

/// <summary>
/// Who a call is made for (a tenant, a user, an agent...): a path of segments, each drawing from its own pool beside the
/// budget's, all or nothing. A call's scope comes from <see cref="HttpRequestMessage.Options"/>
/// (<see cref="RequestOptionKey"/>), else from an <see cref="IBudgetScopeSelector"/> registered in DI, else from the
/// ambient scope of <see cref="Begin(string)"/>.
/// </summary>
public sealed class BudgetScope
{
    /// <summary>The level of scopes begun with an id only.</summary>
    public const string DefaultLevel = "scope";

    /// <summary>Where a request carries its scope: <c>request.Options.Set(BudgetScope.RequestOptionKey, scope)</c>.</summary>
    public static readonly HttpRequestOptionsKey<BudgetScope> RequestOptionKey = new("AgentGuard.BudgetScope");

    private static readonly AsyncLocal<BudgetScope?> s_current = new();

    private BudgetScope(IReadOnlyList<BudgetScopeSegment> segments)
    {
        Segments = segments;
    }

    /// <summary>The ambient scope of the current async flow, or <see langword="null"/>.</summary>
    public static BudgetScope? Current => s_current.Value;

    /// <summary>The path, outermost first.</summary>
    public IReadOnlyList<BudgetScopeSegment> Segments { get; }

    /// <summary>A scope from its segments, outermost first.</summary>
    public static BudgetScope Create(params IEnumerable<BudgetScopeSegment> segments)
    {
        BudgetScopeSegment[] path = [.. segments];
        foreach (var segment in path)
        {
            BudgetPoolKeys.ThrowIfInvalidPart(segment.Level, "scope level");
            BudgetPoolKeys.ThrowIfInvalidPart(segment.Id, "scope id");
        }

        return new BudgetScope(path);
    }

    /// <summary>Begins an ambient scope with the id at level <see cref="DefaultLevel"/>, nested in the current one, until disposed.</summary>
    /// <example><c>using (BudgetScope.Begin("tenant-42")) { await agent.RunAsync(); }</c></example>
    public static IDisposable Begin(string id) => Begin(DefaultLevel, id);

    /// <summary>Begins an ambient scope nested in the current one, until disposed.</summary>
    /// <example><c>using (BudgetScope.Begin("tenant", "42")) using (BudgetScope.Begin("agent", "planner")) { ... }</c></example>
    public static IDisposable Begin(string level, string id)
    {
        var outer = s_current.Value;
        var scope = Create([.. outer?.Segments ?? [], new BudgetScopeSegment(level, id)]);
        s_current.Value = scope;
        return new Restore(outer);
    }

    /// <summary>The path as it appears in pool keys: <c>tenant:42/agent:planner</c>.</summary>
    public override string ToString() => string.Join(BudgetPoolKeys.ScopeSeparator, Segments.Select(s => $"{s.Level}{BudgetPoolKeys.LevelSeparator}{s.Id}"));

    private sealed class Restore(BudgetScope? outer) : IDisposable
    {
        public void Dispose() => s_current.Value = outer;
    }
}

/// <summary>
/// Chooses the scope of a call from the request, for apps where the scope lives elsewhere: in ASP.NET Core, implement it
/// with <c>IHttpContextAccessor</c> (user, tenant, API key) and register it as a singleton.
/// </summary>
public interface IBudgetScopeSelector
{
    /// <summary>The call's scope, or <see langword="null"/> for none.</summary>
    BudgetScope? SelectScope(HttpRequestMessage request);
}

/// <summary>Limits of one scope level: a default for every id, and overrides for some.</summary>
public sealed class ScopeLimit
{
    /// <summary>The limit of each id at this level, in USD; <see langword="null"/>: only the ids in <see cref="Overrides"/> are limited.</summary>
    public decimal? DefaultUsd { get; set; }

    /// <summary>Limits of particular ids, in USD.</summary>
    public IDictionary<string, decimal> Overrides { get; set; } = new Dictionary<string, decimal>(StringComparer.Ordinal);

    /// <summary>The limit of an id, or <see langword="null"/> when the id is not limited.</summary>
    public decimal? For(string id) => Overrides.TryGetValue(id, out decimal limit) ? limit : DefaultUsd;
}

/// <summary>Calendar windows a budget resets in.</summary>
public enum BudgetWindow
{
    /// <summary>One budget for all time (until reset).</summary>
    None = 0,

    /// <summary>A budget per calendar day.</summary>
    Daily = 1,

    /// <summary>A budget per ISO week (Monday to Sunday).</summary>
    Weekly = 2,

    /// <summary>A budget per calendar month.</summary>
    Monthly = 3,
}
