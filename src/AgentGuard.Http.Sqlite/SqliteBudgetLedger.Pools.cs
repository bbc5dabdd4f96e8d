using System.Globalization;
using Microsoft.Data.Sqlite;

namespace AgentGuard.Http.Sqlite;

public sealed partial class SqliteBudgetLedger
{
    private const string SelectPool = "SELECT key, limit_micros, spent_micros, reserved_micros, refused_calls FROM pools WHERE key = $key;";
    private const string SelectPoolUnlessExpiryIsDue = """
        SELECT key, limit_micros, spent_micros, reserved_micros, refused_calls,
               EXISTS (SELECT 1 FROM leases WHERE state = 0 AND expires_at <= $now)
        FROM pools WHERE key = $key;
        """;
    private const string InsertPool = "INSERT INTO pools (key, limit_micros) VALUES ($key, $limit);";
    private const string UpsertLimit = """
        INSERT INTO pools (key, limit_micros) VALUES ($key, $limit)
        ON CONFLICT (key) DO UPDATE SET limit_micros = excluded.limit_micros;
        """;
    private const string ResetPool = """
        UPDATE pools SET spent_micros = 0, refused_calls = 0, epoch = epoch + 1 WHERE key = $key;
        DELETE FROM warning_claims WHERE pool_key = $key;
        """;
    private const string ClaimWarning = """
        INSERT OR IGNORE INTO warning_claims (pool_key, threshold) SELECT key, $threshold FROM pools WHERE key = $key;
        """;

    // Keys sharing a prefix are contiguous in SQLite's byte order, so the scan starts at the prefix and stops at the first
    // key without it.
    private const string SelectPoolsFrom = "SELECT key, limit_micros, spent_micros, reserved_micros, refused_calls FROM pools WHERE key >= $prefix ORDER BY key;";

    private async ValueTask<BudgetPoolState> GetStateCoreAsync(BudgetPool pool, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool.Key);

        // Most reads find the pool and nothing to expire: they need no write lock.
        var current = await ReadAsync(pool.Key, static async (tx, key) =>
        {
            await using var reader = await tx.Command(SelectPoolUnlessExpiryIsDue).With("$key", key).With("$now", tx.Now).ReaderAsync(tx.Async, tx.Ct).ConfigureAwait(false);
            return await reader.NextAsync(tx.Async, tx.Ct).ConfigureAwait(false) && reader.GetInt64(5) == 0 ? ReadPoolState(reader) : (BudgetPoolState?)null;
        }, snapshot: false, async, cancellationToken).ConfigureAwait(false);
        if (current is { } state)
        {
            return state;
        }

        return await WriteAsync((ledger: this, pool), static async (tx, state) =>
        {
            await state.ledger.SweepAsync(tx).ConfigureAwait(false);
            return await GetOrCreatePoolAsync(tx, state.pool).ConfigureAwait(false);
        }, async, cancellationToken).ConfigureAwait(false);
    }

    private ValueTask<bool> ResetCoreAsync(string poolKey, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(poolKey);
        return WriteAsync((ledger: this, poolKey), static async (tx, state) =>
        {
            await state.ledger.SweepAsync(tx).ConfigureAwait(false);
            await tx.Command(ResetPool).With("$key", state.poolKey).RunAsync(tx.Async, tx.Ct).ConfigureAwait(false);
            return true;
        }, async, cancellationToken);
    }

    private ValueTask<bool> TryClaimWarningCoreAsync(string poolKey, decimal thresholdPercent, bool async, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(poolKey);
        return WriteAsync((poolKey, threshold: ThresholdText(thresholdPercent)), static async (tx, state) =>
            await tx.Command(ClaimWarning).With("$key", state.poolKey).With("$threshold", state.threshold).RunAsync(tx.Async, tx.Ct).ConfigureAwait(false) == 1,
            async, cancellationToken);
    }

    private ValueTask<BudgetPoolState> SetLimitCoreAsync(string poolKey, long limitMicros, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(poolKey);
        ArgumentOutOfRangeException.ThrowIfNegative(limitMicros);
        return WriteAsync((ledger: this, poolKey, limitMicros), static async (tx, state) =>
        {
            await state.ledger.SweepAsync(tx).ConfigureAwait(false);
            await tx.Command(UpsertLimit).With("$key", state.poolKey).With("$limit", state.limitMicros).RunAsync(tx.Async, tx.Ct).ConfigureAwait(false);
            return await GetOrCreatePoolAsync(tx, new BudgetPool(state.poolKey, state.limitMicros)).ConfigureAwait(false);
        }, async: true, cancellationToken);
    }

    private async ValueTask<IReadOnlyList<BudgetPoolState>> ListPoolsCoreAsync(string? keyPrefix, CancellationToken cancellationToken)
    {
        await SweepIfDueAsync(async: true, cancellationToken).ConfigureAwait(false);
        var pools = await ReadAsync(keyPrefix ?? string.Empty, static async (tx, prefix) =>
        {
            var pools = new List<BudgetPoolState>();
            await using var reader = await tx.Command(SelectPoolsFrom).With("$prefix", prefix).ReaderAsync(tx.Async, tx.Ct).ConfigureAwait(false);
            while (await reader.NextAsync(tx.Async, tx.Ct).ConfigureAwait(false))
            {
                var pool = ReadPoolState(reader);
                if (!pool.Key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    break;
                }

                pools.Add(pool);
            }

            return pools;
        }, snapshot: false, async: true, cancellationToken).ConfigureAwait(false);

        // SQLite orders by UTF-8 bytes; the contract orders by UTF-16 code units (they differ above U+FFFF).
        pools.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return pools;
    }

    /// <summary>The pool's state, creating the pool with its seed limit when it does not exist yet.</summary>
    private static async ValueTask<BudgetPoolState> GetOrCreatePoolAsync(LedgerTransaction tx, BudgetPool pool)
    {
        await using (var reader = await tx.Command(SelectPool).With("$key", pool.Key).ReaderAsync(tx.Async, tx.Ct).ConfigureAwait(false))
        {
            if (await reader.NextAsync(tx.Async, tx.Ct).ConfigureAwait(false))
            {
                return ReadPoolState(reader);
            }
        }

        ArgumentOutOfRangeException.ThrowIfNegative(pool.LimitMicros);
        await tx.Command(InsertPool).With("$key", pool.Key).With("$limit", pool.LimitMicros).RunAsync(tx.Async, tx.Ct).ConfigureAwait(false);
        return new BudgetPoolState(pool.Key, pool.LimitMicros, 0, 0);
    }

    private static BudgetPoolState ReadPoolState(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)) { RefusedCalls = reader.GetInt64(4) };

    /// <summary>A threshold's text without trailing zeros, so that 80 and 80.0 claim the same warning (as decimal equality says).</summary>
    private static string ThresholdText(decimal threshold) =>
        (threshold / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
}
