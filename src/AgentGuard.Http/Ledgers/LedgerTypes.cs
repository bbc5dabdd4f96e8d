namespace AgentGuard.Http;

/// <summary>A budget pool a reservation draws from, with the limit that seeds it when it is first created.</summary>
/// <param name="Key">The pool's key: the budget name, then scope segments and the time window (see <see cref="BudgetPoolKeys"/>).</param>
/// <param name="LimitMicros">The limit in whole micro-dollars used when the pool does not exist yet; afterwards the stored limit wins.</param>
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

    /// <summary>Calls this pool refused since it was created (resets do not clear it).</summary>
    public long RefusedCalls { get; init; }
}

/// <summary>A request to reserve an amount from one or more pools under a lease.</summary>
/// <param name="LeaseId">The lease's id: retrying a reservation with the same id reserves once.</param>
/// <param name="Pools">Every pool the call draws from, each once; all or none are reserved.</param>
/// <param name="AmountMicros">The amount, in whole micro-dollars (rounded up by the caller).</param>
/// <param name="LeaseDuration">How long the reservation holds before it is charged in full.</param>
public sealed record ReservationRequest(string LeaseId, IReadOnlyList<BudgetPool> Pools, long AmountMicros, TimeSpan LeaseDuration)
{
    /// <summary>The model of the call, kept with the lease for the spend log (an expired lease has no other source).</summary>
    public string? Model { get; init; }

    /// <summary>The provider of the call (<see cref="AgentGuardProviders"/>), kept with the lease for the spend log beside the model.</summary>
    public string? Provider { get; init; }

    /// <summary>Whether a refusal counts in the refusing pool's <see cref="BudgetPoolState.RefusedCalls"/>. A first try that will be retried with a tighter bound does not.</summary>
    public bool CountRefusal { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> when the request breaks the contract's preconditions; every ledger calls it first.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(LeaseId);
        ArgumentOutOfRangeException.ThrowIfNegative(AmountMicros);
        ArgumentNullException.ThrowIfNull(Pools);
        if (Pools.Count == 0)
        {
            throw new ArgumentException("A reservation needs at least one pool.", nameof(Pools));
        }

        // A reservation names a handful of pools: comparing each with those before it costs less than a set.
        for (int i = 0; i < Pools.Count; i++)
        {
            var pool = Pools[i];
            ArgumentException.ThrowIfNullOrEmpty(pool.Key);
            ArgumentOutOfRangeException.ThrowIfNegative(pool.LimitMicros);
            for (int j = 0; j < i; j++)
            {
                if (string.Equals(Pools[j].Key, pool.Key, StringComparison.Ordinal))
                {
                    // Counted twice, the pool's limit would be checked once but its reservation applied twice.
                    throw new ArgumentException($"The pool '{pool.Key}' is listed twice in one reservation.", nameof(Pools));
                }
            }
        }
    }
}

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

/// <summary>A settlement with what the spend log records of it.</summary>
/// <param name="LeaseId">The lease to settle.</param>
/// <param name="CostMicros">The actual cost; <see langword="null"/> releases the lease (the call was certainly not billed).</param>
/// <param name="Details">The call's model, tokens and outcome.</param>
public sealed record SettlementRequest(string LeaseId, long? CostMicros, SpendDetails Details);

/// <summary>What the spend log records of a settled call.</summary>
/// <param name="Outcome">How the call was settled.</param>
/// <param name="Model">The model the request named.</param>
/// <param name="InputTokens">Input tokens billed (zero when unknown).</param>
/// <param name="CachedInputTokens">Of those, cached.</param>
/// <param name="OutputTokens">Output tokens billed (zero when unknown).</param>
public sealed record SpendDetails(SpendOutcome Outcome, string? Model = null, long InputTokens = 0, long CachedInputTokens = 0, long OutputTokens = 0)
{
    private static readonly SpendDetails[] s_outcomesOnly = [new(SpendOutcome.SettledFromUsage), new(SpendOutcome.ChargedInFull), new(SpendOutcome.Released), new(SpendOutcome.LeaseExpired)];

    /// <summary>Details of a settlement that says nothing but its outcome (one shared instance per outcome: records are immutable).</summary>
    public static SpendDetails Of(SpendOutcome outcome) => (uint)outcome < (uint)s_outcomesOnly.Length ? s_outcomesOnly[(int)outcome] : new(outcome);
}

/// <summary>How a call's reservation was settled.</summary>
public enum SpendOutcome
{
    /// <summary>At the cost the response's usage reported.</summary>
    SettledFromUsage = 0,

    /// <summary>At the full reservation: the outcome was unknown.</summary>
    ChargedInFull = 1,

    /// <summary>At zero: the call was certainly not billed.</summary>
    Released = 2,

    /// <summary>At the full reservation by the ledger, because the lease expired unsettled.</summary>
    LeaseExpired = 3,
}

/// <summary>One settlement in a ledger's spend log.</summary>
/// <param name="Timestamp">When it was applied, by the ledger's clock.</param>
/// <param name="LeaseId">The lease.</param>
/// <param name="Pools">The pools it was charged to.</param>
/// <param name="Model">The model, when known.</param>
/// <param name="InputTokens">Input tokens billed.</param>
/// <param name="CachedInputTokens">Of those, cached.</param>
/// <param name="OutputTokens">Output tokens billed.</param>
/// <param name="CostMicros">What this entry added to the pools' spent amounts: negative for a late settlement that refunds an expired lease.</param>
/// <param name="ReservedMicros">The lease's reservation.</param>
/// <param name="Outcome">How it was settled.</param>
public sealed record SpendLogEntry(
    DateTimeOffset Timestamp,
    string LeaseId,
    IReadOnlyList<string> Pools,
    string? Model,
    long InputTokens,
    long CachedInputTokens,
    long OutputTokens,
    long CostMicros,
    long ReservedMicros,
    SpendOutcome Outcome)
{
    /// <summary>The provider the call went to (<see cref="AgentGuardProviders"/>), when known: entries written before it was recorded have none.</summary>
    public string? Provider { get; init; }
}

/// <summary>Which spend log entries to read, newest last.</summary>
/// <param name="PoolKeyPrefix">Only entries charged to a pool whose key starts with this (a budget name selects the budget).</param>
/// <param name="Since">Only entries at or after this time.</param>
/// <param name="Until">Only entries before this time.</param>
/// <param name="Limit">At most this many entries (the newest).</param>
public sealed record SpendLogQuery(string? PoolKeyPrefix = null, DateTimeOffset? Since = null, DateTimeOffset? Until = null, int Limit = 10_000);

/// <summary>How much of its spend log a ledger keeps: entries beyond either bound are dropped, oldest first.</summary>
/// <param name="MaxEntries">The most entries kept.</param>
/// <param name="MaxAge">The oldest entry kept.</param>
public sealed record SpendLogRetention(int MaxEntries = 100_000, TimeSpan? MaxAge = null)
{
    /// <summary>100,000 entries, 90 days.</summary>
    public static SpendLogRetention Default { get; } = new(100_000, TimeSpan.FromDays(90));
}
