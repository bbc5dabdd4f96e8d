namespace AgentGuard.Http;

/// <summary>A budget pool a reservation draws from, with the limit that seeds it when it is first created.</summary>
/// <param name="Key">The pool's key (the budget name, later with scope and window).</param>
/// <param name="LimitMicros">The limit in whole micro-dollars used when the pool does not exist yet.</param>
public readonly record struct BudgetPool(string Key, long LimitMicros);

/// <summary>A pool's amounts, in whole micro-dollars.</summary>
/// <param name="Key">The pool's key.</param>
/// <param name="LimitMicros">The limit.</param>
/// <param name="SpentMicros">What settled calls (and expired leases) cost.</param>
/// <param name="ReservedMicros">What active leases hold for calls in flight.</param>
public readonly record struct BudgetPoolState(string Key, long LimitMicros, long SpentMicros, long ReservedMicros)
{
    /// <summary>The limit minus spent minus reserved, never below zero.</summary>
    public long RemainingMicros => Math.Max(0, LimitMicros - SpentMicros - ReservedMicros);
}

/// <summary>A request to reserve an amount from one or more pools under a lease.</summary>
/// <param name="LeaseId">The lease's id: retrying a reservation with the same id reserves once.</param>
/// <param name="Pools">Every pool the call draws from; all or none are reserved.</param>
/// <param name="AmountMicros">The amount, in whole micro-dollars (rounded up by the caller).</param>
/// <param name="LeaseDuration">How long the reservation holds before it is charged in full.</param>
public sealed record ReservationRequest(string LeaseId, IReadOnlyList<BudgetPool> Pools, long AmountMicros, TimeSpan LeaseDuration);

/// <summary>The outcome of a reservation.</summary>
/// <param name="Granted">Whether the amount was reserved from every pool.</param>
/// <param name="Pool">When refused, the first pool that could not cover the amount; when granted, the first pool, after the reservation.</param>
public readonly record struct ReservationResult(bool Granted, BudgetPoolState Pool);

/// <summary>How a settlement (commit or release) was applied.</summary>
public enum SettlementStatus
{
    /// <summary>The active lease was settled.</summary>
    Settled = 0,

    /// <summary>The lease had expired and been charged in full; the settlement adjusted that charge to the actual cost.</summary>
    SettledAfterExpiry = 1,

    /// <summary>The lease was settled before: nothing changed.</summary>
    AlreadySettled = 2,

    /// <summary>The ledger does not know the lease: nothing changed.</summary>
    UnknownLease = 3,
}

/// <summary>The outcome of a commit or release.</summary>
/// <param name="Status">How the settlement was applied.</param>
/// <param name="Pools">The states of the lease's pools after the settlement (empty when nothing changed).</param>
public readonly record struct SettlementResult(SettlementStatus Status, IReadOnlyList<BudgetPoolState> Pools);
