using AgentGuard.Http;

namespace AgentGuard.Cli.Reports;

/// <summary>Spend in one group (a budget, a scope, a provider, a model or a day).</summary>
internal sealed record SpendGroup(string Key, long Calls, long SpentMicros, decimal SpentUsd);

/// <summary>The spend of a budget up to and including one settlement.</summary>
internal sealed record CumulativePoint(DateTimeOffset Time, long CumulativeMicros, decimal CumulativeUsd);

/// <summary>A budget's cumulative spend over time, against its limit (the limit of its newest budget-level pool).</summary>
internal sealed record BudgetTimeline(string Budget, string? LimitPool, long? LimitMicros, decimal? LimitUsd, IReadOnlyList<CumulativePoint> Points);

/// <summary>What the spend log says: totals, spend by budget, scope, provider, model and day, and each budget's timeline.</summary>
internal sealed record SpendReport(
    string Ledger,
    string? Budget,
    DateTimeOffset? Since,
    DateTimeOffset? Until,
    DateTimeOffset GeneratedAt,
    int Entries,
    int Calls,
    long TotalMicros,
    decimal TotalUsd,
    bool Truncated,
    IReadOnlyList<SpendGroup> ByBudget,
    IReadOnlyList<SpendGroup> ByScope,
    IReadOnlyList<SpendGroup> ByProvider,
    IReadOnlyList<SpendGroup> ByModel,
    IReadOnlyList<SpendGroup> ByDay,
    IReadOnlyList<BudgetTimeline> Timelines)
{
    /// <summary>The group of entries that name no scope, and of entries whose provider or model is unknown (entries written before providers were recorded name none).</summary>
    public const string None = "(none)";

    public static SpendReport Build(
        string ledger, string? budget, DateTimeOffset? since, DateTimeOffset? until, DateTimeOffset now,
        IReadOnlyList<SpendLogEntry> entries, IReadOnlyList<BudgetPoolState> pools, bool truncated)
    {
        long total = entries.Sum(e => e.CostMicros);
        return new SpendReport(
            ledger, budget, since, until, now,
            entries.Count,
            // A late settlement of an expired lease is a second entry of the same call.
            entries.Select(e => e.LeaseId).Distinct(StringComparer.Ordinal).Count(),
            total,
            Money.ToUsd(total),
            truncated,
            Group(entries, BudgetOf),
            Group(entries, ScopeOf),
            Group(entries, e => e.Provider ?? None),
            Group(entries, e => e.Model ?? None),
            [.. Group(entries, e => e.Timestamp.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)).OrderBy(g => g.Key, StringComparer.Ordinal)],
            [.. entries.GroupBy(BudgetOf, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => Timeline(g.Key, g, pools))]);
    }

    private static string BudgetOf(SpendLogEntry entry) => entry.Pools.Count == 0 ? None : BudgetPoolKeys.Root(entry.Pools[0]);

    /// <summary>The most specific scope the call drew from, so that the groups add up to the total.</summary>
    private static string ScopeOf(SpendLogEntry entry) =>
        entry.Pools.Select(p => PoolKey.Of(p).Scope).OfType<string>().MaxBy(s => s.Count(c => c == BudgetPoolKeys.ScopeSeparator)) ?? None;

    /// <summary>Groups, largest spend first.</summary>
    private static List<SpendGroup> Group(IEnumerable<SpendLogEntry> entries, Func<SpendLogEntry, string> key) =>
        [.. entries.GroupBy(key, StringComparer.Ordinal)
            .Select(g =>
            {
                long spent = g.Sum(e => e.CostMicros);
                return new SpendGroup(g.Key, g.Select(e => e.LeaseId).Distinct(StringComparer.Ordinal).Count(), spent, Money.ToUsd(spent));
            })
            .OrderByDescending(g => g.SpentMicros)
            .ThenBy(g => g.Key, StringComparer.Ordinal)];

    private static BudgetTimeline Timeline(string budget, IEnumerable<SpendLogEntry> entries, IReadOnlyList<BudgetPoolState> pools)
    {
        long running = 0;
        var points = entries.OrderBy(e => e.Timestamp)
            .Select(e =>
            {
                running += e.CostMicros;
                return new CumulativePoint(e.Timestamp, running, Money.ToUsd(running));
            })
            .ToList();

        // The budget-level pool of the newest window (window keys sort in time order within a kind).
        var limit = pools.Where(p => PoolKey.Of(p.Key) is { IsBudgetPool: true } k && k.Budget == budget)
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => (BudgetPoolState?)p)
            .LastOrDefault();
        return new BudgetTimeline(budget, limit?.Key, limit?.LimitMicros, limit is { } l ? Money.ToUsd(l.LimitMicros) : null, points);
    }
}
