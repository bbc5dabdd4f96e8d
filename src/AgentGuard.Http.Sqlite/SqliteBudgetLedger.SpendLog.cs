namespace AgentGuard.Http.Sqlite;

public sealed partial class SqliteBudgetLedger
{
    private const string InsertSpendLogEntry = """
        INSERT INTO spend_log (at, lease_id, provider, model, input_tokens, cached_input_tokens, output_tokens, cost_micros, reserved_micros, outcome)
        VALUES ($at, $lease, $provider, $model, $input, $cached, $output, $cost, $reserved, $outcome)
        RETURNING id;
        """;

    private const string LinkSpendLogPools = """
        INSERT INTO spend_log_pools (entry_id, position, pool_key) SELECT $entry, position, pool_key FROM lease_pools WHERE lease_id = $lease;
        """;

    // Entry ids are consecutive (only the oldest are ever deleted), so the newest MaxEntries are those above last - MaxEntries.
    private const string ApplyRetention = """
        DELETE FROM spend_log WHERE id <= $entry - $maxEntries;
        DELETE FROM spend_log WHERE at < $oldest;
        """;
    private const string SelectSpendLog = """
        SELECT id, at, lease_id, model, input_tokens, cached_input_tokens, output_tokens, cost_micros, reserved_micros, outcome, provider
        FROM spend_log e
        WHERE ($prefix IS NULL OR EXISTS (
                SELECT 1 FROM spend_log_pools p WHERE p.entry_id = e.id AND substr(p.pool_key, 1, length($prefix)) = $prefix))
          AND ($since IS NULL OR e.at >= $since)
          AND ($until IS NULL OR e.at < $until)
        ORDER BY e.id DESC LIMIT $limit;
        """;
    private const string SelectSpendLogPools = """
        SELECT entry_id, pool_key FROM spend_log_pools WHERE entry_id BETWEEN $first AND $last ORDER BY entry_id, position;
        """;

    /// <summary>Logs a settlement or an expiry of a lease (charged to the lease's pools); the transaction applies the retention before it commits.</summary>
    private static async ValueTask AppendSpendLogAsync(LedgerTransaction tx, SpendLogRow row)
    {
        long entry = (long)(await tx.Command(InsertSpendLogEntry)
            .With("$at", row.At)
            .With("$lease", row.LeaseId)
            .With("$provider", row.Provider)
            .With("$model", row.Model)
            .With("$input", row.InputTokens)
            .With("$cached", row.CachedInputTokens)
            .With("$output", row.OutputTokens)
            .With("$cost", row.CostMicros)
            .With("$reserved", row.ReservedMicros)
            .With("$outcome", (int)row.Outcome)
            .ScalarAsync(tx.Async, tx.Ct).ConfigureAwait(false))!;
        await tx.Command(LinkSpendLogPools).With("$entry", entry).With("$lease", row.LeaseId).RunAsync(tx.Async, tx.Ct).ConfigureAwait(false);
        tx.LastLogEntry = entry;
    }

    /// <summary>Drops what the retention no longer keeps, once per transaction that logged (not once per entry).</summary>
    private async ValueTask ApplyRetentionAsync(LedgerTransaction tx)
    {
        long oldest = _retention.MaxAge is { } maxAge ? tx.Now - (long)Math.Min(maxAge.TotalMilliseconds, tx.Now) : long.MinValue;
        await tx.Command(ApplyRetention)
            .With("$entry", tx.LastLogEntry)
            .With("$maxEntries", _retention.MaxEntries)
            .With("$oldest", oldest)
            .RunAsync(tx.Async, tx.Ct).ConfigureAwait(false);
    }

    private async ValueTask<IReadOnlyList<SpendLogEntry>> ReadSpendLogCoreAsync(SpendLogQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit <= 0)
        {
            return [];
        }

        await SweepIfDueAsync(async: true, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(query, static async (tx, query) =>
        {
            var rows = new List<(long Id, SpendLogRow Row)>();
            var command = tx.Command(SelectSpendLog)
                .With("$prefix", query.PoolKeyPrefix)
                .With("$since", query.Since is { } since ? FirstMillisecondAtOrAfter(since) : null)
                .With("$until", query.Until is { } until ? FirstMillisecondAtOrAfter(until) : null)
                .With("$limit", query.Limit);
            await using (var reader = await command.ReaderAsync(tx.Async, tx.Ct).ConfigureAwait(false))
            {
                while (await reader.NextAsync(tx.Async, tx.Ct).ConfigureAwait(false))
                {
                    rows.Add((reader.GetInt64(0), new SpendLogRow(
                        reader.GetInt64(1), reader.GetString(2), reader.GetNullableString(10), reader.GetNullableString(3), reader.GetInt64(4), reader.GetInt64(5),
                        reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8), (SpendOutcome)reader.GetInt32(9))));
                }
            }

            if (rows.Count == 0)
            {
                return (IReadOnlyList<SpendLogEntry>)[];
            }

            rows.Reverse();
            var pools = new Dictionary<long, List<string>>();
            await using (var reader = await tx.Command(SelectSpendLogPools).With("$first", rows[0].Id).With("$last", rows[^1].Id).ReaderAsync(tx.Async, tx.Ct).ConfigureAwait(false))
            {
                while (await reader.NextAsync(tx.Async, tx.Ct).ConfigureAwait(false))
                {
                    long id = reader.GetInt64(0);
                    if (!pools.TryGetValue(id, out var keys))
                    {
                        pools[id] = keys = new List<string>(1);
                    }

                    keys.Add(reader.GetString(1));
                }
            }

            return [.. rows.Select(r => r.Row.ToEntry(pools.TryGetValue(r.Id, out var keys) ? keys : []))];
        }, snapshot: true, async: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Entries are stored in whole milliseconds: an entry at or after <paramref name="time"/> is at or after this millisecond.</summary>
    private static long FirstMillisecondAtOrAfter(DateTimeOffset time)
    {
        long ticks = time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return (ticks / TimeSpan.TicksPerMillisecond) + (ticks % TimeSpan.TicksPerMillisecond > 0 ? 1 : 0);
    }
}
