using AgentGuard.Http.Scopes;

namespace AgentGuard.Http;

/// <summary>
/// A budget's shape, from its options: its limit, the limits of its scope levels, and its window. It turns a call's scope
/// and the current time into the pools the call draws from.
/// </summary>
internal sealed class BudgetDefinition
{
    private readonly Dictionary<string, (long? DefaultMicros, Dictionary<string, long> Overrides)> _scopeLimits;

    public BudgetDefinition(string name, AgentGuardOptions options)
    {
        BudgetPoolKeys.ThrowIfInvalidPart(name, "budget name");
        Name = name;
        LimitMicros = Micros.LimitFromUsd(options.BudgetUsd);
        Window = options.Window;
        Zone = BudgetWindows.Zone(options.TimeZone);
        Thresholds = [.. options.WarningThresholds.Distinct().Order()];
        _scopeLimits = (options.ScopeLimits ?? new Dictionary<string, ScopeLimit>()).ToDictionary(
            static l => l.Key,
            static l => (l.Value.DefaultUsd is { } d ? Micros.LimitFromUsd(d) : (long?)null,
                l.Value.Overrides.ToDictionary(static o => o.Key, static o => Micros.LimitFromUsd(o.Value), StringComparer.Ordinal)),
            StringComparer.Ordinal);
    }

    public string Name { get; }

    public long LimitMicros { get; }

    public BudgetWindow Window { get; }

    public TimeZoneInfo Zone { get; }

    public decimal[] Thresholds { get; }

    /// <summary>The budget's pool and the pool of each limited level of <paramref name="scope"/>, in the window of <paramref name="now"/>.</summary>
    public BudgetPool[] PoolsFor(BudgetScope? scope, DateTimeOffset now)
    {
        string? window = BudgetWindows.Name(Window, now, Zone);
        if (scope is null || scope.Segments.Count == 0)
        {
            return [new BudgetPool(BudgetPoolKeys.For(Name, null, window), LimitMicros)];
        }

        var pools = new List<BudgetPool>(scope.Segments.Count + 1) { new(BudgetPoolKeys.For(Name, null, window), LimitMicros) };
        for (int depth = 1; depth <= scope.Segments.Count; depth++)
        {
            if (LimitOf(scope.Segments[depth - 1]) is { } limit)
            {
                pools.Add(new BudgetPool(BudgetPoolKeys.For(Name, scope.Segments.Take(depth), window), limit));
            }
        }

        return [.. pools];
    }

    /// <summary>The limit of a scope segment's level and id, or <see langword="null"/> when it is not limited.</summary>
    public long? LimitOf(BudgetScopeSegment segment) =>
        _scopeLimits.TryGetValue(segment.Level, out var level)
            ? level.Overrides.TryGetValue(segment.Id, out long limit) ? limit : level.DefaultMicros
            : null;

    /// <summary>The scope and window parts of a pool key of this budget.</summary>
    public static (string? Scope, string? Window) Describe(string poolKey)
    {
        string root = BudgetPoolKeys.Root(poolKey);
        string rest = poolKey[root.Length..];
        int at = rest.IndexOf(BudgetPoolKeys.WindowSeparator, StringComparison.Ordinal);
        string scope = (at < 0 ? rest : rest[..at]).TrimStart(BudgetPoolKeys.ScopeSeparator);
        return (scope.Length == 0 ? null : scope, at < 0 ? null : rest[(at + 1)..]);
    }

    /// <summary>A fingerprint of the budget-level settings, to find clients that configure one budget differently.</summary>
    public string Fingerprint() => string.Join(";",
        LimitMicros,
        string.Join(",", Thresholds),
        Window,
        Zone.Id,
        string.Join(",", _scopeLimits.OrderBy(l => l.Key, StringComparer.Ordinal)
            .Select(l => $"{l.Key}={l.Value.DefaultMicros}[{string.Join(",", l.Value.Overrides.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key}={o.Value}"))}]")));
}
