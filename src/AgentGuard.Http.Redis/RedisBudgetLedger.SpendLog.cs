using AgentGuard.Http.Redis.Internal;
using StackExchange.Redis;

namespace AgentGuard.Http.Redis;

// The spend log: one capped stream per budget, read newest first and merged across budgets.
public sealed partial class RedisBudgetLedger
{
    private const int SpendLogPage = 500;

    /// <inheritdoc />
    /// <remarks>
    /// Each budget keeps its own log (so <see cref="SpendLogRetention.MaxEntries"/> bounds each budget's entries); a
    /// query merges the logs of the budgets its prefix can match by the time the server added each entry.
    /// </remarks>
    public async ValueTask<IReadOnlyList<SpendLogEntry>> ReadSpendLogAsync(SpendLogQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Limit);
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        if (query.Limit == 0)
        {
            return [];
        }

        var found = new List<(long AddedAt, SpendLogEntry Entry)>();
        foreach (string root in await RootsAsync(database, query.PoolKeyPrefix, cancellationToken).ConfigureAwait(false))
        {
            var newestFirst = await ReadNewestAsync(database, _keys.Budget(root).Log, query, cancellationToken).ConfigureAwait(false);
            newestFirst.Reverse();
            found.AddRange(newestFirst);
        }

        // Stable: entries added in the same micro-second keep their log's order.
        return [.. found.OrderBy(static e => e.AddedAt).Select(static e => e.Entry).TakeLast(query.Limit)];
    }

    /// <summary>The newest entries of one log that match the query, at most its limit, newest first.</summary>
    private static async Task<List<(long AddedAt, SpendLogEntry Entry)>> ReadNewestAsync(IDatabase database, RedisKey log, SpendLogQuery query, CancellationToken cancellationToken)
    {
        var matches = new List<(long, SpendLogEntry)>();
        long? since = query.Since is { } s ? RedisLedgerResults.ToMicros(s) : null;
        RedisValue before = "+";
        while (matches.Count < query.Limit)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await database.StreamRangeAsync(log, "-", before, SpendLogPage, Order.Descending).ConfigureAwait(false);
            foreach (var raw in page)
            {
                var (addedAt, entry) = RedisLedgerResults.LogEntry(raw);

                // An entry's time is never after it was added (an expiry is logged at the lease's expiry), so once the
                // log reaches entries added before the query's start, none of the older ones can match.
                if (since is { } start && addedAt < start)
                {
                    return matches;
                }

                if (Matches(entry, query))
                {
                    matches.Add((addedAt, entry));
                    if (matches.Count == query.Limit)
                    {
                        return matches;
                    }
                }
            }

            if (page.Length < SpendLogPage)
            {
                break;
            }

            before = "(" + page[^1].Id.ToString();
        }

        return matches;
    }

    private static bool Matches(SpendLogEntry entry, SpendLogQuery query) =>
        (query.PoolKeyPrefix is null || entry.Pools.Any(p => p.StartsWith(query.PoolKeyPrefix, StringComparison.Ordinal)))
        && (query.Since is null || entry.Timestamp >= query.Since)
        && (query.Until is null || entry.Timestamp < query.Until);
}
