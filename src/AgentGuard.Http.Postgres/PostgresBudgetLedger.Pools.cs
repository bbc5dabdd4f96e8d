using AgentGuard.Http.Postgres.Internal;
using AgentGuard.Http.Postgres.Sql;
using static AgentGuard.Http.Postgres.Internal.Parameters;

namespace AgentGuard.Http.Postgres;

public sealed partial class PostgresBudgetLedger
{
    /// <inheritdoc />
    public ValueTask<BudgetPoolState> GetStateAsync(BudgetPool pool, CancellationToken cancellationToken = default) =>
        GetStateAsync(pool, async: true, cancellationToken);

    /// <inheritdoc />
    public BudgetPoolState GetState(BudgetPool pool) => Db.Complete(GetStateAsync(pool, async: false, CancellationToken.None));

    /// <inheritdoc />
    public async ValueTask ResetAsync(string poolKey, CancellationToken cancellationToken = default) =>
        await ResetAsync(poolKey, async: true, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public void Reset(string poolKey) => Db.Complete(ResetAsync(poolKey, async: false, CancellationToken.None));

    /// <inheritdoc />
    public ValueTask<bool> TryClaimWarningAsync(string poolKey, decimal thresholdPercent, CancellationToken cancellationToken = default) =>
        TryClaimWarningAsync(poolKey, thresholdPercent, async: true, cancellationToken);

    /// <inheritdoc />
    public bool TryClaimWarning(string poolKey, decimal thresholdPercent) =>
        Db.Complete(TryClaimWarningAsync(poolKey, thresholdPercent, async: false, CancellationToken.None));

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<BudgetPoolState>> ListPoolsAsync(string? keyPrefix = null, CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(async: true, cancellationToken).ConfigureAwait(false);
        try
        {
            using var batch = Db.Batch(
                Db.Statement(_sql.MarkDueOfPrefixAndLock, Text(keyPrefix)),
                ChargeMarked(),
                Db.Statement(_sql.ListPools, Text(keyPrefix)));
            var pools = await Db.QueryAsync(connection, batch, 1, static r => Rows.Pool(r, 0), async: true, cancellationToken).ConfigureAwait(false);

            // The contract orders by ordinal (UTF-16) comparison; the database's byte order differs only beyond U+FFFF.
            pools.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            return pools;
        }
        finally
        {
            await Db.CloseAsync(connection, async: true).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask<BudgetPoolState> SetLimitAsync(string poolKey, long limitMicros, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolKey);
        ArgumentOutOfRangeException.ThrowIfNegative(limitMicros);
        var connection = await OpenAsync(async: true, cancellationToken).ConfigureAwait(false);
        try
        {
            // Due leases are charged first, so that the state returned is the one the next operation sees.
            using var batch = Db.Batch(
                Db.Statement(_sql.MarkDueOfKeysAndLockWithSeeds, Value(new[] { poolKey }), Value(new[] { limitMicros })),
                ChargeMarked(),
                Db.Statement(_sql.SetLimit, Value(poolKey), Value(limitMicros)));
            var pools = await Db.QueryAsync(connection, batch, 1, static r => Rows.Pool(r, 0), async: true, cancellationToken).ConfigureAwait(false);
            return pools[0];
        }
        finally
        {
            await Db.CloseAsync(connection, async: true).ConfigureAwait(false);
        }
    }

    private async ValueTask<BudgetPoolState> GetStateAsync(BudgetPool pool, bool async, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(pool.Key);
        ArgumentOutOfRangeException.ThrowIfNegative(pool.LimitMicros);
        var connection = await OpenAsync(async, cancellationToken).ConfigureAwait(false);
        try
        {
            using (var batch = Db.Batch(Db.Statement(_sql.StateWithDue, Value(pool.Key))))
            {
                var rows = await Db.QueryAsync(connection, batch, 0, static r => (Pool: Rows.Pool(r, 0), Due: r.GetBoolean(5)), async, cancellationToken).ConfigureAwait(false);
                if (rows is [{ Due: false } row])
                {
                    return row.Pool;
                }
            }

            // The pool does not exist yet (created with its seed limit) or due leases must be charged to it first.
            using (var batch = Db.Batch(
                Db.Statement(_sql.MarkDueOfKeysAndLockWithSeeds, Value(new[] { pool.Key }), Value(new[] { pool.LimitMicros })),
                ChargeMarked(),
                Db.Statement(_sql.State, Value(pool.Key))))
            {
                var rows = await Db.QueryAsync(connection, batch, 1, static r => Rows.Pool(r, 0), async, cancellationToken).ConfigureAwait(false);
                return rows[0];
            }
        }
        finally
        {
            await Db.CloseAsync(connection, async).ConfigureAwait(false);
        }
    }

    private async ValueTask<bool> ResetAsync(string poolKey, bool async, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolKey);
        var connection = await OpenAsync(async, cancellationToken).ConfigureAwait(false);
        try
        {
            using (var batch = Db.Batch(Db.Statement(_sql.Reset, Value(poolKey), Value(true))))
            {
                var due = await Db.QueryAsync(connection, batch, 0, static r => r.GetBoolean(0), async, cancellationToken).ConfigureAwait(false);
                if (!due[0])
                {
                    return true;
                }
            }

            // Leases that expired before the reset are charged to the spent amount it wipes.
            using (var batch = Db.Batch(
                Db.Statement(_sql.MarkDueOfKeysAndLock, Value(new[] { poolKey })),
                ChargeMarked(),
                Db.Statement(_sql.Reset, Value(poolKey), Value(false))))
            {
                await Db.QueryAsync(connection, batch, 1, static r => r.GetBoolean(0), async, cancellationToken).ConfigureAwait(false);
                return true;
            }
        }
        finally
        {
            await Db.CloseAsync(connection, async).ConfigureAwait(false);
        }
    }

    private async ValueTask<bool> TryClaimWarningAsync(string poolKey, decimal thresholdPercent, bool async, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolKey);
        var connection = await OpenAsync(async, cancellationToken).ConfigureAwait(false);
        try
        {
            using var batch = Db.Batch(Db.Statement(_sql.ClaimWarning, Value(poolKey), Value(thresholdPercent)));
            return await Db.ExecuteAsync(connection, batch, async, cancellationToken).ConfigureAwait(false) == 1;
        }
        finally
        {
            await Db.CloseAsync(connection, async).ConfigureAwait(false);
        }
    }
}
