using AgentGuard.Http.Redis.Internal;
using StackExchange.Redis;

namespace AgentGuard.Http.Redis;

// Reservations and their leases: reserve, settle (commit, release), extend.
public sealed partial class RedisBudgetLedger
{
    /// <inheritdoc />
    /// <exception cref="ArgumentException">The pools are empty, listed twice, or belong to different budgets (a reservation is atomic within one budget's hash tag).</exception>
    public ReservationResult Reserve(ReservationRequest request)
    {
        var call = PrepareReservation(request);
        var database = Database();
        IndexLease(database, request, call.Root);
        var result = RedisLedgerScript.Reserve.Evaluate(database, call.Budget.ScriptKeys, call.Args);
        return Reserved(database, request, call.Root, result);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The pools are empty, listed twice, or belong to different budgets (a reservation is atomic within one budget's hash tag).</exception>
    public async ValueTask<ReservationResult> ReserveAsync(ReservationRequest request, CancellationToken cancellationToken = default)
    {
        var call = PrepareReservation(request);
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        IndexLease(database, request, call.Root);
        var result = await RedisLedgerScript.Reserve.EvaluateAsync(database, call.Budget.ScriptKeys, call.Args).ConfigureAwait(false);
        return Reserved(database, request, call.Root, result);
    }

    /// <inheritdoc />
    public SettlementResult Commit(string leaseId, long actualCostMicros) =>
        Settle(new SettlementRequest(leaseId, actualCostMicros, SpendDetails.Of(SpendOutcome.SettledFromUsage)));

    /// <inheritdoc />
    public ValueTask<SettlementResult> CommitAsync(string leaseId, long actualCostMicros, CancellationToken cancellationToken = default) =>
        SettleAsync(new SettlementRequest(leaseId, actualCostMicros, SpendDetails.Of(SpendOutcome.SettledFromUsage)), cancellationToken);

    /// <inheritdoc />
    public SettlementResult Release(string leaseId) =>
        Settle(new SettlementRequest(leaseId, null, SpendDetails.Of(SpendOutcome.Released)));

    /// <inheritdoc />
    public ValueTask<SettlementResult> ReleaseAsync(string leaseId, CancellationToken cancellationToken = default) =>
        SettleAsync(new SettlementRequest(leaseId, null, SpendDetails.Of(SpendOutcome.Released)), cancellationToken);

    /// <inheritdoc />
    public SettlementResult Settle(SettlementRequest settlement)
    {
        CheckSettlement(settlement);
        var database = Database();
        if (!_leaseBudgets.TryGet(settlement.LeaseId, out string? root))
        {
            root = database.StringGet(_keys.LeaseIndex(settlement.LeaseId));
        }

        if (root is null)
        {
            return new SettlementResult(SettlementStatus.UnknownLease, []);
        }

        var budget = _keys.Budget(root);
        var result = RedisLedgerScript.Settle.Evaluate(database, budget.ScriptKeys, SettlementArgs(budget, settlement));
        return Settled(settlement.LeaseId, result);
    }

    /// <inheritdoc />
    public async ValueTask<SettlementResult> SettleAsync(SettlementRequest settlement, CancellationToken cancellationToken = default)
    {
        CheckSettlement(settlement);
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        if (!_leaseBudgets.TryGet(settlement.LeaseId, out string? root))
        {
            root = await database.StringGetAsync(_keys.LeaseIndex(settlement.LeaseId)).ConfigureAwait(false);
        }

        if (root is null)
        {
            return new SettlementResult(SettlementStatus.UnknownLease, []);
        }

        var budget = _keys.Budget(root);
        var result = await RedisLedgerScript.Settle.EvaluateAsync(database, budget.ScriptKeys, SettlementArgs(budget, settlement)).ConfigureAwait(false);
        return Settled(settlement.LeaseId, result);
    }

    /// <inheritdoc />
    public bool Extend(string leaseId, TimeSpan leaseDuration)
    {
        ArgumentException.ThrowIfNullOrEmpty(leaseId);
        var database = Database();
        if (!_leaseBudgets.TryGet(leaseId, out string? root))
        {
            root = database.StringGet(_keys.LeaseIndex(leaseId));
        }

        if (root is null)
        {
            return false;
        }

        var budget = _keys.Budget(root);
        bool extended = (int)RedisLedgerScript.Extend.Evaluate(database, budget.ScriptKeys, Args(budget, leaseId, Micros(leaseDuration))) == 1;
        return Extended(database, leaseId, leaseDuration, extended);
    }

    /// <inheritdoc />
    public async ValueTask<bool> ExtendAsync(string leaseId, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(leaseId);
        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        if (!_leaseBudgets.TryGet(leaseId, out string? root))
        {
            root = await database.StringGetAsync(_keys.LeaseIndex(leaseId)).ConfigureAwait(false);
        }

        if (root is null)
        {
            return false;
        }

        var budget = _keys.Budget(root);
        var result = await RedisLedgerScript.Extend.EvaluateAsync(database, budget.ScriptKeys, Args(budget, leaseId, Micros(leaseDuration))).ConfigureAwait(false);
        return Extended(database, leaseId, leaseDuration, (int)result == 1);
    }

    private (string Root, BudgetKeys Budget, RedisValue[] Args) PrepareReservation(ReservationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        CheckAmount(request.AmountMicros, nameof(request.AmountMicros));
        var pools = request.Pools;
        string root = RedisLedgerKeys.RootOf(pools[0].Key);
        var budget = _keys.Budget(root);
        var operation = new RedisValue[5 + (2 * pools.Count)];
        operation[0] = request.LeaseId;
        operation[1] = request.AmountMicros;
        operation[2] = Micros(request.LeaseDuration);
        operation[3] = request.Model ?? "";
        operation[4] = request.CountRefusal ? 1 : 0;
        for (int i = 0; i < pools.Count; i++)
        {
            var pool = pools[i];
            if (RedisLedgerKeys.RootOf(pool.Key) != root)
            {
                throw new ArgumentException($"The pools of one reservation must belong to one budget, but '{pool.Key}' is not in '{root}'.", nameof(request));
            }

            operation[5 + (2 * i)] = pool.Key;
            operation[6 + (2 * i)] = pool.LimitMicros;
        }

        return (root, budget, Args(budget, operation));
    }

    /// <summary>
    /// Records which budget holds the lease, for settlements from other processes (or from a new ledger after a restart)
    /// that name only the lease; this process remembers it itself. Fire-and-forget: on one server it travels before the
    /// script on the same connection, so it is applied first, and the script's reply tells that the connection carried
    /// both. A lease whose index is lost is still charged when it expires: never less than its reservation.
    /// </summary>
    private void IndexLease(IDatabase database, ReservationRequest request, string root) =>
        database.StringSet(_keys.LeaseIndex(request.LeaseId), root, IndexLifetime(request.LeaseDuration), When.Always, CommandFlags.FireAndForget);

    private ReservationResult Reserved(IDatabase database, ReservationRequest request, string root, RedisResult reply)
    {
        var (result, existed) = RedisLedgerResults.Reservation(reply, request);
        if (result.Granted)
        {
            _leaseBudgets.Remember(request.LeaseId, root);
        }
        else if (!existed)
        {
            // A refusal leaves no lease, so its index would only take memory until it expires.
            database.KeyDelete(_keys.LeaseIndex(request.LeaseId), CommandFlags.FireAndForget);
        }

        return result;
    }

    private SettlementResult Settled(string leaseId, RedisResult reply)
    {
        var result = RedisLedgerResults.Settlement(reply);
        if (result.Status != SettlementStatus.UnknownLease)
        {
            _leaseBudgets.Forget(leaseId);
        }

        return result;
    }

    private bool Extended(IDatabase database, string leaseId, TimeSpan leaseDuration, bool extended)
    {
        if (extended)
        {
            database.KeyExpire(_keys.LeaseIndex(leaseId), IndexLifetime(leaseDuration), CommandFlags.FireAndForget);
        }

        return extended;
    }

    private RedisValue[] SettlementArgs(BudgetKeys budget, SettlementRequest settlement)
    {
        var details = settlement.Details ?? SpendDetails.Of(settlement.CostMicros is null ? SpendOutcome.Released : SpendOutcome.SettledFromUsage);
        return Args(
            budget,
            settlement.LeaseId,
            settlement.CostMicros ?? 0,
            details.Model ?? "",
            details.InputTokens,
            details.CachedInputTokens,
            details.OutputTokens,
            (int)details.Outcome);
    }

    private static void CheckSettlement(SettlementRequest settlement)
    {
        ArgumentNullException.ThrowIfNull(settlement);
        ArgumentException.ThrowIfNullOrEmpty(settlement.LeaseId);
        CheckAmount(settlement.CostMicros ?? 0, nameof(settlement.CostMicros));
    }

    // The index outlives the lease by as long as a finished lease is remembered, so late settlements still find it.
    private TimeSpan IndexLifetime(TimeSpan leaseDuration) => Clamp(leaseDuration) + _finishedLeaseRetention;

    private static long Micros(TimeSpan duration) => Clamp(duration).Ticks / TimeSpan.TicksPerMicrosecond;

    private static TimeSpan Clamp(TimeSpan duration) =>
        duration <= TimeSpan.Zero ? TimeSpan.Zero : duration > s_maxLeaseDuration ? s_maxLeaseDuration : duration;
}
