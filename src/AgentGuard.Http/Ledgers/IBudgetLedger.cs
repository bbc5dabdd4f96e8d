namespace AgentGuard.Http;

/// <summary>
/// Where budgets live: pools of whole micro-dollars with a limit, spent and reserved amounts, and leases.
/// <para>
/// The contract every implementation keeps: <see cref="Reserve"/> is atomic and all-or-nothing over the pools of
/// a request and succeeds only if <c>spent + reserved + amount &lt;= limit</c> for each; every operation is
/// idempotent on the lease id; a lease that is not settled before it expires (judged by the ledger's clock) is
/// charged its full amount, never released, and a later settlement refunds it down to the actual cost.
/// Expiry is applied by the operations themselves: no background job is needed.
/// </para>
/// <para>
/// Every operation has a synchronous form for the SDKs' synchronous calls, which must not block on async code.
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
    /// Zeroes a pool's spent amount and its warning state. Reservations of calls in flight are kept
    /// and settle into the reset pool.
    /// </summary>
    ValueTask ResetAsync(string poolKey, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="ResetAsync"/>
    void Reset(string poolKey);

    /// <summary>
    /// Claims the right to raise the warning for a threshold: <see langword="true"/> once per pool and threshold
    /// until the pool is reset, so a warning fires once even when several callers cross it together.
    /// </summary>
    ValueTask<bool> TryClaimWarningAsync(string poolKey, decimal thresholdPercent, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="TryClaimWarningAsync"/>
    bool TryClaimWarning(string poolKey, decimal thresholdPercent);
}
