namespace AgentGuard.Http;

/// <summary>
/// Where budgets live: pools of whole micro-dollars with a limit, spent and reserved amounts, and leases.
/// <para>
/// The contract every implementation keeps (and the contract test suite checks): <see cref="Reserve"/> is atomic
/// and all-or-nothing over the pools of a request and succeeds only if <c>spent + reserved + amount &lt;= limit</c>
/// for each; every operation is idempotent on the lease id; a lease that is not settled before it expires (judged by
/// the store's clock) is charged its full amount, never released, and a later settlement refunds it down to the
/// actual cost (unless the pool was reset since the expiry: the reset wiped that charge, so the late settlement changes
/// nothing there and <c>spent + reserved &lt;= limit</c> keeps holding). Expiry is applied by the operations themselves (and by <see cref="SweepExpiredAsync"/>): no
/// background job is needed. The limit a pool is created with seeds it; afterwards the stored limit wins.
/// </para>
/// <para>
/// The operations on a call's path have a synchronous form for the SDKs' synchronous calls, which must not block on
/// async code. A store that cannot be reached throws <see cref="BudgetLedgerUnavailableException"/>.
/// </para>
/// </summary>
public interface IBudgetLedger
{
    /// <summary>Reserves an amount from every pool of the request, or from none.</summary>
    ValueTask<ReservationResult> ReserveAsync(ReservationRequest request, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="ReserveAsync"/>
    ReservationResult Reserve(ReservationRequest request);

    /// <summary>Settles a lease at its actual cost (which may exceed the reservation: the true cost is always recorded).</summary>
    ValueTask<SettlementResult> CommitAsync(string leaseId, long actualCostMicros, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="CommitAsync"/>
    SettlementResult Commit(string leaseId, long actualCostMicros);

    /// <summary>Settles a lease whose call was certainly not billed: nothing is charged.</summary>
    ValueTask<SettlementResult> ReleaseAsync(string leaseId, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="ReleaseAsync"/>
    SettlementResult Release(string leaseId);

    /// <summary>Moves an active lease's expiry to <paramref name="leaseDuration"/> from now (a heartbeat for long streams).</summary>
    /// <returns><see langword="false"/> when the lease is no longer active.</returns>
    ValueTask<bool> ExtendAsync(string leaseId, TimeSpan leaseDuration, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="ExtendAsync"/>
    bool Extend(string leaseId, TimeSpan leaseDuration);

    /// <summary>The state of a pool, creating it with the pool's seed limit when it does not exist yet.</summary>
    ValueTask<BudgetPoolState> GetStateAsync(BudgetPool pool, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="GetStateAsync"/>
    BudgetPoolState GetState(BudgetPool pool);

    /// <summary>
    /// Zeroes a pool's spent amount, its refused calls and its warning state. Reservations of calls in flight are kept
    /// and settle into the reset pool.
    /// </summary>
    ValueTask ResetAsync(string poolKey, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="ResetAsync"/>
    void Reset(string poolKey);

    /// <summary>
    /// Claims the right to raise the warning for a threshold: <see langword="true"/> once per pool and threshold
    /// until the pool is reset, so a warning fires once even when several callers (or processes) cross it together.
    /// </summary>
    ValueTask<bool> TryClaimWarningAsync(string poolKey, decimal thresholdPercent, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="TryClaimWarningAsync"/>
    bool TryClaimWarning(string poolKey, decimal thresholdPercent);

    /// <summary>
    /// Settles a lease (commit, or release when <see cref="SettlementRequest.CostMicros"/> is null) and records it in the
    /// spend log. Ledgers without a spend log settle it as <see cref="CommitAsync"/> or <see cref="ReleaseAsync"/>.
    /// </summary>
    ValueTask<SettlementResult> SettleAsync(SettlementRequest settlement, CancellationToken cancellationToken = default) =>
        settlement.CostMicros is { } cost ? CommitAsync(settlement.LeaseId, cost, cancellationToken) : ReleaseAsync(settlement.LeaseId, cancellationToken);

    /// <inheritdoc cref="SettleAsync"/>
    SettlementResult Settle(SettlementRequest settlement) =>
        settlement.CostMicros is { } cost ? Commit(settlement.LeaseId, cost) : Release(settlement.LeaseId);

    /// <summary>Every pool whose key starts with <paramref name="keyPrefix"/> (all when null), ordered by key.</summary>
    ValueTask<IReadOnlyList<BudgetPoolState>> ListPoolsAsync(string? keyPrefix = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} cannot list its pools.");

    /// <summary>Sets a pool's limit (creating the pool when needed). The stored limit then wins over any configured seed.</summary>
    ValueTask<BudgetPoolState> SetLimitAsync(string poolKey, long limitMicros, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} cannot set limits.");

    /// <summary>Reads the spend log, oldest first.</summary>
    ValueTask<IReadOnlyList<SpendLogEntry>> ReadSpendLogAsync(SpendLogQuery query, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} keeps no spend log.");

    /// <summary>Applies lease expiry to every pool now (operations apply it anyway); returns how many leases expired.</summary>
    ValueTask<int> SweepExpiredAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(0);

    /// <summary>Checks that the store can be reached; throws <see cref="BudgetLedgerUnavailableException"/> when it cannot.</summary>
    ValueTask PingAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}
