namespace AgentGuard.Http;

/// <summary>
/// The default ledger: budgets held in this process's memory (one per budget per process), guarded by a
/// single lock that is held only for the arithmetic, so calls in flight are never serialized.
/// Leases expire by the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class InMemoryBudgetLedger : IBudgetLedger
{
    // Settled and expired leases are remembered for a while so that late or repeated settlements are exact.
    private const int MaxRememberedLeases = 16_384;

    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Pool> _pools = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Lease> _leases = new(StringComparer.Ordinal);
    private readonly PriorityQueue<Lease, long> _expiries = new();
    private readonly Queue<Lease> _finished = new();
    private readonly LinkedList<SpendLogEntry> _spendLog = new();
    private readonly SpendLogRetention _retention;

    /// <summary>Creates an empty ledger.</summary>
    /// <param name="timeProvider">The clock that judges lease expiry; <see cref="TimeProvider.System"/> when omitted.</param>
    /// <param name="retention">How much of the spend log to keep; <see cref="SpendLogRetention.Default"/> when omitted.</param>
    public InMemoryBudgetLedger(TimeProvider? timeProvider = null, SpendLogRetention? retention = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _retention = retention ?? SpendLogRetention.Default;
    }

    /// <inheritdoc />
    public ValueTask<ReservationResult> ReserveAsync(ReservationRequest request, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Reserve(request));

    /// <inheritdoc />
    public ReservationResult Reserve(ReservationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();

        lock (_lock)
        {
            long now = Now();
            Sweep(now);
            var pools = new Pool[request.Pools.Count];
            for (int i = 0; i < pools.Length; i++)
            {
                pools[i] = GetOrCreate(request.Pools[i]);
            }

            if (_leases.TryGetValue(request.LeaseId, out var existing))
            {
                return new ReservationResult(existing.State == LeaseState.Active, pools[0].State);
            }

            foreach (var pool in pools)
            {
                if (pool.Spent + pool.Reserved + request.AmountMicros > pool.Limit)
                {
                    if (request.CountRefusal)
                    {
                        pool.Refusals++;
                    }

                    return new ReservationResult(false, pool.State);
                }
            }

            foreach (var pool in pools)
            {
                pool.Reserved += request.AmountMicros;
            }

            var lease = new Lease(request.LeaseId, pools, request.AmountMicros, now + Ticks(request.LeaseDuration), request.Model);
            _leases.Add(lease.Id, lease);
            _expiries.Enqueue(lease, lease.ExpiresAt);
            return new ReservationResult(true, pools[0].State);
        }
    }

    /// <inheritdoc />
    public ValueTask<SettlementResult> CommitAsync(string leaseId, long actualCostMicros, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Commit(leaseId, actualCostMicros));

    /// <inheritdoc />
    public SettlementResult Commit(string leaseId, long actualCostMicros) =>
        Settle(new SettlementRequest(leaseId, actualCostMicros, SpendDetails.Of(SpendOutcome.SettledFromUsage)));

    /// <inheritdoc />
    public ValueTask<SettlementResult> ReleaseAsync(string leaseId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Release(leaseId));

    /// <inheritdoc />
    public SettlementResult Release(string leaseId) =>
        Settle(new SettlementRequest(leaseId, null, SpendDetails.Of(SpendOutcome.Released)));

    /// <inheritdoc />
    public ValueTask<SettlementResult> SettleAsync(SettlementRequest settlement, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Settle(settlement));

    /// <inheritdoc />
    public ValueTask<bool> ExtendAsync(string leaseId, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Extend(leaseId, leaseDuration));

    /// <inheritdoc />
    public bool Extend(string leaseId, TimeSpan leaseDuration)
    {
        lock (_lock)
        {
            long now = Now();
            Sweep(now);
            if (!_leases.TryGetValue(leaseId, out var lease) || lease.State != LeaseState.Active)
            {
                return false;
            }

            lease.ExpiresAt = now + Ticks(leaseDuration);
            _expiries.Enqueue(lease, lease.ExpiresAt);
            return true;
        }
    }

    /// <inheritdoc />
    public ValueTask<BudgetPoolState> GetStateAsync(BudgetPool pool, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(GetState(pool));

    /// <inheritdoc />
    public BudgetPoolState GetState(BudgetPool pool)
    {
        lock (_lock)
        {
            Sweep(Now());
            return GetOrCreate(pool).State;
        }
    }

    /// <inheritdoc />
    public ValueTask ResetAsync(string poolKey, CancellationToken cancellationToken = default)
    {
        Reset(poolKey);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public void Reset(string poolKey)
    {
        lock (_lock)
        {
            Sweep(Now());
            if (_pools.TryGetValue(poolKey, out var pool))
            {
                pool.Spent = 0;
                pool.Refusals = 0;
                pool.Epoch++;
                pool.Warned.Clear();
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> TryClaimWarningAsync(string poolKey, decimal thresholdPercent, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(TryClaimWarning(poolKey, thresholdPercent));

    /// <inheritdoc />
    public bool TryClaimWarning(string poolKey, decimal thresholdPercent)
    {
        lock (_lock)
        {
            return _pools.TryGetValue(poolKey, out var pool) && pool.Warned.Add(thresholdPercent);
        }
    }

    /// <inheritdoc />
    public SettlementResult Settle(SettlementRequest settlement)
    {
        ArgumentNullException.ThrowIfNull(settlement);
        long actual = settlement.CostMicros ?? 0;
        ArgumentOutOfRangeException.ThrowIfNegative(actual);
        lock (_lock)
        {
            long now = Now();
            Sweep(now);
            if (!_leases.TryGetValue(settlement.LeaseId, out var lease))
            {
                return new SettlementResult(SettlementStatus.UnknownLease, []);
            }

            var status = SettlementStatus.Settled;
            long charged = actual;
            switch (lease.State)
            {
                case LeaseState.Settled:
                    return new SettlementResult(SettlementStatus.AlreadySettled, []);

                case LeaseState.Active:
                    foreach (var pool in lease.Pools)
                    {
                        pool.Reserved -= lease.Amount;
                        pool.Spent += actual;
                    }

                    break;

                case LeaseState.Expired:
                    // The expiry charged the full amount; refund down to (or charge up to) the actual cost, unless the
                    // pool was reset since: the reset wiped that charge and the call belongs to the period before it,
                    // so nothing changes (and spent + reserved <= limit keeps holding in the reset pool).
                    for (int i = 0; i < lease.Pools.Length; i++)
                    {
                        var pool = lease.Pools[i];
                        charged = pool.Epoch == lease.ExpiredInEpochs![i] ? actual - lease.Amount : 0;
                        pool.Spent += charged;
                    }

                    status = SettlementStatus.SettledAfterExpiry;
                    break;
            }

            lease.State = LeaseState.Settled;
            Remember(lease);
            var details = settlement.Details;
            Log(now, lease, details.Model ?? lease.Model, details.InputTokens, details.CachedInputTokens, details.OutputTokens, charged, details.Outcome);
            return new SettlementResult(status, States(lease.Pools));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<BudgetPoolState>> ListPoolsAsync(string? keyPrefix = null, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            Sweep(Now());
            IReadOnlyList<BudgetPoolState> pools = [.. _pools.Values
                .Where(p => keyPrefix is null || p.Key.StartsWith(keyPrefix, StringComparison.Ordinal))
                .OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => p.State)];
            return ValueTask.FromResult(pools);
        }
    }

    /// <inheritdoc />
    public ValueTask<BudgetPoolState> SetLimitAsync(string poolKey, long limitMicros, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limitMicros);
        lock (_lock)
        {
            Sweep(Now());
            var pool = GetOrCreate(new BudgetPool(poolKey, limitMicros));
            pool.Limit = limitMicros;
            return ValueTask.FromResult(pool.State);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SpendLogEntry>> ReadSpendLogAsync(SpendLogQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_lock)
        {
            Sweep(Now());
            IReadOnlyList<SpendLogEntry> entries = [.. _spendLog
                .Where(e => (query.PoolKeyPrefix is null || e.Pools.Any(p => p.StartsWith(query.PoolKeyPrefix, StringComparison.Ordinal)))
                    && (query.Since is null || e.Timestamp >= query.Since)
                    && (query.Until is null || e.Timestamp < query.Until))
                .TakeLast(query.Limit)];
            return ValueTask.FromResult(entries);
        }
    }

    /// <inheritdoc />
    public ValueTask<int> SweepExpiredAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(Sweep(Now()));
        }
    }

    private void Log(long now, Lease lease, string? model, long input, long cached, long output, long cost, SpendOutcome outcome)
    {
        var at = new DateTimeOffset(now, TimeSpan.Zero);
        _spendLog.AddLast(new SpendLogEntry(at, lease.Id, lease.PoolKeys, model, input, cached, output, cost, lease.Amount, outcome));
        while (_spendLog.Count > _retention.MaxEntries
            || (_retention.MaxAge is { } maxAge && _spendLog.First is { } oldest && oldest.Value.Timestamp < at - maxAge))
        {
            _spendLog.RemoveFirst();
        }
    }

    private int Sweep(long now)
    {
        int expired = 0;
        // Settled leases leave the queue as soon as they reach its head, not when they would have expired: under load,
        // waiting a whole lease duration kept millions of them alive.
        while (_expiries.TryPeek(out var lease, out long expiresAt) && (expiresAt <= now || lease.State != LeaseState.Active))
        {
            _expiries.Dequeue();

            // A lease extended since it was queued has a later entry of its own.
            if (lease.State != LeaseState.Active || lease.ExpiresAt > now)
            {
                continue;
            }

            lease.State = LeaseState.Expired;
            lease.ExpiredInEpochs = new long[lease.Pools.Length];
            for (int i = 0; i < lease.Pools.Length; i++)
            {
                var pool = lease.Pools[i];
                pool.Reserved -= lease.Amount;
                pool.Spent += lease.Amount;
                lease.ExpiredInEpochs[i] = pool.Epoch;
            }

            expired++;
            Remember(lease);
            Log(lease.ExpiresAt, lease, lease.Model, 0, 0, 0, lease.Amount, SpendOutcome.LeaseExpired);
        }

        return expired;
    }

    private void Remember(Lease lease)
    {
        lease.RememberedTimes++;
        _finished.Enqueue(lease);
        while (_finished.Count > MaxRememberedLeases)
        {
            var old = _finished.Dequeue();
            if (--old.RememberedTimes == 0 && old.State != LeaseState.Active)
            {
                _leases.Remove(old.Id);
            }
        }
    }

    private Pool GetOrCreate(BudgetPool pool)
    {
        if (!_pools.TryGetValue(pool.Key, out var state))
        {
            ArgumentOutOfRangeException.ThrowIfNegative(pool.LimitMicros);
            state = new Pool(pool.Key, pool.LimitMicros);
            _pools.Add(pool.Key, state);
        }

        return state;
    }

    private static BudgetPoolState[] States(Pool[] pools)
    {
        var states = new BudgetPoolState[pools.Length];
        for (int i = 0; i < pools.Length; i++)
        {
            states[i] = pools[i].State;
        }

        return states;
    }

    private long Now() => _time.GetUtcNow().UtcTicks;

    private static long Ticks(TimeSpan duration) => duration <= TimeSpan.Zero ? 0 : duration.Ticks;

    private enum LeaseState
    {
        Active,
        Expired,
        Settled,
    }

    private sealed class Pool(string key, long limit)
    {
        public string Key { get; } = key;

        public long Limit { get; set; } = limit;

        public long Refusals { get; set; }

        public long Spent { get; set; }

        public long Reserved { get; set; }

        public long Epoch { get; set; }

        public HashSet<decimal> Warned { get; } = [];

        public BudgetPoolState State => new(Key, Limit, Spent, Reserved) { RefusedCalls = Refusals };
    }

    private sealed class Lease(string id, Pool[] pools, long amount, long expiresAt, string? model)
    {
        public string Id { get; } = id;

        public Pool[] Pools { get; } = pools;

        public string[] PoolKeys { get; } = [.. pools.Select(p => p.Key)];

        public string? Model { get; } = model;

        public long Amount { get; } = amount;

        public long ExpiresAt { get; set; } = expiresAt;

        public LeaseState State { get; set; }

        public long[]? ExpiredInEpochs { get; set; }

        // How many entries of the finished queue name this lease: it is forgotten when the last one leaves.
        public int RememberedTimes { get; set; }
    }
}
