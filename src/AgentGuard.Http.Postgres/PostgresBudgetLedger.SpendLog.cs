using AgentGuard.Http.Postgres.Internal;
using AgentGuard.Http.Postgres.Sql;
using Npgsql;
using static AgentGuard.Http.Postgres.Internal.Parameters;

namespace AgentGuard.Http.Postgres;

public sealed partial class PostgresBudgetLedger
{
    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<SpendLogEntry>> ReadSpendLogAsync(SpendLogQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Limit);
        var connection = await OpenAsync(async: true, cancellationToken).ConfigureAwait(false);
        try
        {
            // Leases that are due are charged first, so that their expiries are in the log.
            using var batch = Db.Batch(
                Db.Statement(_sql.MarkDueOfPrefixAndLock, Text(query.PoolKeyPrefix)),
                ChargeMarked(),
                Db.Statement(_sql.ReadSpendLog, Text(query.PoolKeyPrefix), Timestamp(query.Since), Timestamp(query.Until), Value(query.Limit)));
            var newestFirst = await Db.QueryAsync(connection, batch, 1, ReadEntry, async: true, cancellationToken).ConfigureAwait(false);
            newestFirst.Reverse();
            return newestFirst;
        }
        finally
        {
            await Db.CloseAsync(connection, async: true).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask<int> SweepExpiredAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(async: true, cancellationToken).ConfigureAwait(false);
        try
        {
            // Also the retention without the bounds the writes keep to (for example after MaxEntries was lowered).
            using var batch = Db.Batch(
                Db.Statement(_sql.MarkAllDueAndLock),
                ChargeMarked(),
                Db.Statement(_sql.TrimSpendLog, Value(_retention.MaxEntries), Interval(_retention.MaxAge)),
                Db.Statement(_sql.ForgetFinishedLeases, Value(_finishedLeaseRetention)));
            var expired = await Db.QueryAsync(connection, batch, 0, static r => r.GetInt32(0), async: true, cancellationToken).ConfigureAwait(false);
            return expired[0];
        }
        finally
        {
            await Db.CloseAsync(connection, async: true).ConfigureAwait(false);
        }
    }

    private static SpendLogEntry ReadEntry(NpgsqlDataReader r) => new(
        Timestamp: r.GetFieldValue<DateTimeOffset>(0),
        LeaseId: r.GetString(1),
        Pools: r.GetFieldValue<string[]>(2),
        Model: Rows.NullableString(r, 3),
        InputTokens: r.GetInt64(4),
        CachedInputTokens: r.GetInt64(5),
        OutputTokens: r.GetInt64(6),
        CostMicros: r.GetInt64(7),
        ReservedMicros: r.GetInt64(8),
        Outcome: (SpendOutcome)r.GetInt16(9))
    {
        Provider = Rows.NullableString(r, 10),
    };
}
