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
        return _batcher.Reserve(request, call);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The pools are empty, listed twice, or belong to different budgets (a reservation is atomic within one budget's hash tag).</exception>
    public ValueTask<ReservationResult> ReserveAsync(ReservationRequest request, CancellationToken cancellationToken = default)
    {
        var call = PrepareReservation(request);
        return _batcher.ReserveAsync(request, call, cancellationToken);
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
        string? root = RootOf(settlement.LeaseId);
        return root is null ? new SettlementResult(SettlementStatus.UnknownLease, []) : _batcher.Settle(settlement, root);
    }

    /// <inheritdoc />
    public async ValueTask<SettlementResult> SettleAsync(SettlementRequest settlement, CancellationToken cancellationToken = default)
    {
        CheckSettlement(settlement);
        string? root = await RootOfAsync(settlement.LeaseId, cancellationToken).ConfigureAwait(false);
        return root is null
            ? new SettlementResult(SettlementStatus.UnknownLease, [])
            : await _batcher.SettleAsync(settlement, root, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public bool Extend(string leaseId, TimeSpan leaseDuration)
    {
        ArgumentException.ThrowIfNullOrEmpty(leaseId);
        string? root = RootOf(leaseId);
        return root is not null && _batcher.Extend(leaseId, leaseDuration, root);
    }

    /// <inheritdoc />
    public async ValueTask<bool> ExtendAsync(string leaseId, TimeSpan leaseDuration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(leaseId);
        string? root = await RootOfAsync(leaseId, cancellationToken).ConfigureAwait(false);
        return root is not null && await _batcher.ExtendAsync(leaseId, leaseDuration, root, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The budget that holds the lease: remembered by this process, or read from the lease index (null: unknown).</summary>
    private string? RootOf(string leaseId)
    {
        if (_leaseBudgets.TryGet(leaseId, out string? root))
        {
            return root;
        }

        return Database().StringGet(_keys.LeaseIndex(leaseId));
    }

    private async ValueTask<string?> RootOfAsync(string leaseId, CancellationToken cancellationToken)
    {
        if (_leaseBudgets.TryGet(leaseId, out string? root))
        {
            return root;
        }

        var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
        return await database.StringGetAsync(_keys.LeaseIndex(leaseId)).ConfigureAwait(false);
    }

    private ReservationCall PrepareReservation(ReservationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        CheckAmount(request.AmountMicros, nameof(request.AmountMicros));
        var pools = request.Pools;
        string root = RedisLedgerKeys.RootOf(pools[0].Key);
        var budget = _keys.Budget(root);
        var operation = new RedisValue[6 + (2 * pools.Count)];
        operation[0] = request.LeaseId;
        operation[1] = request.AmountMicros;
        operation[2] = Micros(request.LeaseDuration);
        operation[3] = request.Model ?? "";
        operation[4] = request.CountRefusal ? 1 : 0;
        operation[5] = request.Provider ?? "";
        for (int i = 0; i < pools.Count; i++)
        {
            var pool = pools[i];
            if (RedisLedgerKeys.RootOf(pool.Key) != root)
            {
                throw new ArgumentException($"The pools of one reservation must belong to one budget, but '{pool.Key}' is not in '{root}'.", nameof(request));
            }

            operation[6 + (2 * i)] = pool.Key;
            operation[7 + (2 * i)] = pool.LimitMicros;
        }

        return new ReservationCall(root, budget, operation);
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

    /// <summary>A settlement's own arguments (settle.lua's from ARGV[5]).</summary>
    private static RedisValue[] SettlementArgs(SettlementRequest settlement)
    {
        var details = settlement.Details ?? SpendDetails.Of(settlement.CostMicros is null ? SpendOutcome.Released : SpendOutcome.SettledFromUsage);
        return
        [
            settlement.LeaseId,
            settlement.CostMicros ?? 0,
            details.Model ?? "",
            details.InputTokens,
            details.CachedInputTokens,
            details.OutputTokens,
            (int)details.Outcome,
        ];
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
