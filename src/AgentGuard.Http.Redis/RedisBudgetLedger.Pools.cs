using System.Globalization;
using AgentGuard.Http.Redis.Internal;
using StackExchange.Redis;

namespace AgentGuard.Http.Redis;

// Pools: state, limits, resets, warning claims, listing, and the sweep of expired leases.
public sealed partial class RedisBudgetLedger
{
    // How many due leases one sweep script charges: a longer script would block the server for everyone.
    private const int SweepBatch = 500;

    /// <inheritdoc />
    public BudgetPoolState GetState(BudgetPool pool)
    {
        var budget = PoolBudget(pool.Key);
        ArgumentOutOfRangeException.ThrowIfNegative(pool.LimitMicros, nameof(pool));
        return RedisLedgerResults.Pool(RedisLedgerScript.State.Evaluate(Database(), budget.ScriptKeys, Args(budget, pool.Key, pool.LimitMicros)));
    }

    /// <inheritdoc />
    public async ValueTask<BudgetPoolState> GetStateAsync(BudgetPool pool, CancellationToken cancellationToken = default)
    {
        var budget = PoolBudget(pool.Key);
        ArgumentOutOfRangeException.ThrowIfNegative(pool.LimitMicros, nameof(pool));
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        return RedisLedgerResults.Pool(await RedisLedgerScript.State.EvaluateAsync(database, budget.ScriptKeys, Args(budget, pool.Key, pool.LimitMicros)).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public async ValueTask<BudgetPoolState> SetLimitAsync(string poolKey, long limitMicros, CancellationToken cancellationToken = default)
    {
        var budget = PoolBudget(poolKey);
        ArgumentOutOfRangeException.ThrowIfNegative(limitMicros);
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        return RedisLedgerResults.Pool(await RedisLedgerScript.SetLimit.EvaluateAsync(database, budget.ScriptKeys, Args(budget, poolKey, limitMicros)).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public void Reset(string poolKey)
    {
        var budget = PoolBudget(poolKey);
        RedisLedgerScript.Reset.Evaluate(Database(), budget.ScriptKeys, Args(budget, poolKey));
    }

    /// <inheritdoc />
    public async ValueTask ResetAsync(string poolKey, CancellationToken cancellationToken = default)
    {
        var budget = PoolBudget(poolKey);
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        await RedisLedgerScript.Reset.EvaluateAsync(database, budget.ScriptKeys, Args(budget, poolKey)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public bool TryClaimWarning(string poolKey, decimal thresholdPercent)
    {
        var budget = PoolBudget(poolKey);
        return (int)RedisLedgerScript.ClaimWarning.Evaluate(Database(), budget.ScriptKeys, Args(budget, poolKey, Threshold(thresholdPercent))) == 1;
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryClaimWarningAsync(string poolKey, decimal thresholdPercent, CancellationToken cancellationToken = default)
    {
        var budget = PoolBudget(poolKey);
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        return (int)await RedisLedgerScript.ClaimWarning.EvaluateAsync(database, budget.ScriptKeys, Args(budget, poolKey, Threshold(thresholdPercent))).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    /// <remarks>Budgets are found with SCAN over the pool registries (one key per budget) unless the prefix names one budget's scope or window.</remarks>
    public async ValueTask<IReadOnlyList<BudgetPoolState>> ListPoolsAsync(string? keyPrefix = null, CancellationToken cancellationToken = default)
    {
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var pools = new List<BudgetPoolState>();
        foreach (string root in await RootsAsync(database, keyPrefix, cancellationToken).ConfigureAwait(false))
        {
            var budget = _keys.Budget(root);
            var reply = (RedisResult[])(await RedisLedgerScript.List.EvaluateAsync(database, budget.ScriptKeys, Args(budget, keyPrefix ?? "")).ConfigureAwait(false))!;
            pools.AddRange(reply.Select(RedisLedgerResults.Pool));
        }

        pools.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return pools;
    }

    /// <inheritdoc />
    public async ValueTask<int> SweepExpiredAsync(CancellationToken cancellationToken = default)
    {
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        int expired = 0;
        foreach (string root in await RootsAsync(database, null, cancellationToken).ConfigureAwait(false))
        {
            var budget = _keys.Budget(root);
            long due;
            do
            {
                cancellationToken.ThrowIfCancellationRequested();
                var reply = (RedisResult[])(await RedisLedgerScript.Sweep.EvaluateAsync(database, budget.ScriptKeys, Args(budget, SweepBatch)).ConfigureAwait(false))!;
                expired += (int)reply[0];
                due = (long)reply[1];
            }
            while (due == SweepBatch);
        }

        return expired;
    }

    /// <summary>The budgets whose pools may start with <paramref name="poolKeyPrefix"/> (all when null), found with SCAN on every primary.</summary>
    private async ValueTask<IReadOnlyCollection<string>> RootsAsync(IDatabase database, string? poolKeyPrefix, CancellationToken cancellationToken)
    {
        if (RedisLedgerKeys.ExactRootOf(poolKeyPrefix) is { } exact)
        {
            return [exact];
        }

        // An unreachable server must fail the operation, not look like a store without budgets.
        await database.PingAsync().ConfigureAwait(false);
        var roots = new SortedSet<string>(StringComparer.Ordinal);
        var pattern = _keys.RegistryPattern(poolKeyPrefix);
        foreach (var server in database.Multiplexer.GetServers())
        {
            if (server.IsReplica)
            {
                continue;
            }

            await foreach (var key in server.KeysAsync(database.Database, pattern, pageSize: 1_000).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (_keys.RootOfRegistry(key.ToString()) is { } root)
                {
                    roots.Add(root);
                }
            }
        }

        return roots;
    }

    private BudgetKeys PoolBudget(string poolKey) => _keys.Budget(RedisLedgerKeys.RootOf(poolKey));

    // 80, 80.0 and 80.00 are one threshold.
    private static string Threshold(decimal percent) => percent.ToString("0.############################", CultureInfo.InvariantCulture);
}
