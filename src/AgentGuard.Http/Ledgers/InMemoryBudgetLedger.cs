using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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

    // Recently used pool sets, so that the leases of one budget (and scope) share one set instead of each copying it.
    private const int PoolSetCacheSize = 8;

    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Pool> _pools = new(StringComparer.Ordinal);

    // Leases are structs in the dictionary, and the queues hold their ids: a lease costs no object of its own, so the
    // thousands remembered at any time are not garbage for the collector to trace and promote.
    private readonly Dictionary<string, Lease> _leases = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, long> _expiries = new();
    private readonly Queue<string> _finished = new();
    private readonly SpendLog _spendLog;
    private readonly PoolSet?[] _poolSets = new PoolSet?[PoolSetCacheSize];
    private int _nextPoolSet;

    /// <summary>Creates an empty ledger.</summary>
    /// <param name="timeProvider">The clock that judges lease expiry; <see cref="TimeProvider.System"/> when omitted.</param>
    /// <param name="retention">How much of the spend log to keep; <see cref="SpendLogRetention.Default"/> when omitted.</param>
    public InMemoryBudgetLedger(TimeProvider? timeProvider = null, SpendLogRetention? retention = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _spendLog = new SpendLog(retention ?? SpendLogRetention.Default);
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
            var set = PoolSetOf(request.Pools);
            var pools = set.Pools;
            ref var lease = ref CollectionsMarshal.GetValueRefOrAddDefault(_leases, request.LeaseId, out bool known);
            if (known)
            {
                return new ReservationResult(lease.State == LeaseState.Active, pools[0].State);
            }

            foreach (var pool in pools)
            {
                if (pool.Spent + pool.Reserved + request.AmountMicros > pool.Limit)
                {
                    if (request.CountRefusal)
                    {
                        pool.Refusals++;
                    }

                    _leases.Remove(request.LeaseId);
                    return new ReservationResult(false, pool.State);
                }
            }

            foreach (var pool in pools)
            {
                pool.Reserved += request.AmountMicros;
            }

            lease = new Lease(set, request.AmountMicros, now + Ticks(request.LeaseDuration), request.Model, request.Provider);
            _expiries.Enqueue(request.LeaseId, lease.ExpiresAt);
            return new ReservationResult(true, pools[0].State);
        }
    }

    /// <inheritdoc />
    public ValueTask<SettlementResult> CommitAsync(string leaseId, long actualCostMicros, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Commit(leaseId, actualCostMicros));

    /// <inheritdoc />
    public SettlementResult Commit(string leaseId, long actualCostMicros)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(actualCostMicros);
        return Settle(leaseId, actualCostMicros, SpendDetails.Of(SpendOutcome.SettledFromUsage));
    }

    /// <inheritdoc />
    public ValueTask<SettlementResult> ReleaseAsync(string leaseId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Release(leaseId));

    /// <inheritdoc />
    public SettlementResult Release(string leaseId) => Settle(leaseId, 0, SpendDetails.Of(SpendOutcome.Released));

    /// <inheritdoc />
    public ValueTask<SettlementResult> SettleAsync(SettlementRequest settlement, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Settle(settlement));

    /// <inheritdoc />
    public SettlementResult Settle(SettlementRequest settlement)
    {
        ArgumentNullException.ThrowIfNull(settlement);
        long actual = settlement.CostMicros ?? 0;
        ArgumentOutOfRangeException.ThrowIfNegative(actual);
        return Settle(settlement.LeaseId, actual, settlement.Details);
    }

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
            ref var lease = ref CollectionsMarshal.GetValueRefOrNullRef(_leases, leaseId);
            if (Unsafe.IsNullRef(ref lease) || lease.State != LeaseState.Active)
            {
                return false;
            }

            lease.ExpiresAt = now + Ticks(leaseDuration);
            _expiries.Enqueue(leaseId, lease.ExpiresAt);
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
            return ValueTask.FromResult(_spendLog.Read(query));
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

    private SettlementResult Settle(string leaseId, long actual, SpendDetails details)
    {
        ArgumentNullException.ThrowIfNull(leaseId);
        ArgumentNullException.ThrowIfNull(details);
        lock (_lock)
        {
            long now = Now();
            Sweep(now);
            ref var lease = ref CollectionsMarshal.GetValueRefOrNullRef(_leases, leaseId);
            if (Unsafe.IsNullRef(ref lease))
            {
                return new SettlementResult(SettlementStatus.UnknownLease, []);
            }

            var status = SettlementStatus.Settled;
            long charged = actual;
            var pools = lease.Pools.Pools;
            switch (lease.State)
            {
                case LeaseState.Settled:
                    return new SettlementResult(SettlementStatus.AlreadySettled, []);

                case LeaseState.Active:
                    foreach (var pool in pools)
                    {
                        pool.Reserved -= lease.Amount;
                        pool.Spent += actual;
                    }

                    break;

                case LeaseState.Expired:
                    // The expiry charged the full amount; refund down to (or charge up to) the actual cost, unless the
                    // pool was reset since: the reset wiped that charge and the call belongs to the period before it,
                    // so nothing changes (and spent + reserved <= limit keeps holding in the reset pool).
                    for (int i = 0; i < pools.Length; i++)
                    {
                        var pool = pools[i];
                        charged = pool.Epoch == lease.ExpiredInEpochs![i] ? actual - lease.Amount : 0;
                        pool.Spent += charged;
                    }

                    status = SettlementStatus.SettledAfterExpiry;
                    break;
            }

            lease.State = LeaseState.Settled;
            _spendLog.Add(new DateTimeOffset(now, TimeSpan.Zero), leaseId, lease, details.Model ?? lease.Model, details.InputTokens, details.CachedInputTokens, details.OutputTokens, charged, details.Outcome);

            // Last: remembering may forget old leases, which moves the dictionary's entries (and the reference above).
            Remember(leaseId, ref lease);
            return new SettlementResult(status, States(pools));
        }
    }

    private int Sweep(long now)
    {
        int expired = 0;

        // Settled leases leave the queue as soon as they reach its head, not when they would have expired: under load,
        // waiting a whole lease duration kept millions of them alive.
        while (_expiries.TryPeek(out string? id, out long expiresAt))
        {
            ref var lease = ref CollectionsMarshal.GetValueRefOrNullRef(_leases, id);
            bool active = !Unsafe.IsNullRef(ref lease) && lease.State == LeaseState.Active;
            if (active && expiresAt > now)
            {
                break;
            }

            _expiries.Dequeue();

            // A lease extended since it was queued has a later entry of its own.
            if (!active || lease.ExpiresAt > now)
            {
                continue;
            }

            lease.State = LeaseState.Expired;
            var pools = lease.Pools.Pools;
            lease.ExpiredInEpochs = new long[pools.Length];
            for (int i = 0; i < pools.Length; i++)
            {
                var pool = pools[i];
                pool.Reserved -= lease.Amount;
                pool.Spent += lease.Amount;
                lease.ExpiredInEpochs[i] = pool.Epoch;
            }

            expired++;
            _spendLog.Add(new DateTimeOffset(lease.ExpiresAt, TimeSpan.Zero), id, lease, lease.Model, 0, 0, 0, lease.Amount, SpendOutcome.LeaseExpired);
            Remember(id, ref lease);
        }

        return expired;
    }

    private void Remember(string leaseId, ref Lease lease)
    {
        lease.RememberedTimes++;
        _finished.Enqueue(leaseId);
        while (_finished.Count > MaxRememberedLeases)
        {
            string old = _finished.Dequeue();
            ref var forgotten = ref CollectionsMarshal.GetValueRefOrNullRef(_leases, old);
            if (!Unsafe.IsNullRef(ref forgotten) && --forgotten.RememberedTimes == 0 && forgotten.State != LeaseState.Active)
            {
                _leases.Remove(old);
            }
        }
    }

    /// <summary>The pools of a request (created with their seed limits when new), shared with earlier leases on the same pools.</summary>
    private PoolSet PoolSetOf(IReadOnlyList<BudgetPool> requested)
    {
        foreach (var cached in _poolSets)
        {
            if (cached is not null && cached.Matches(requested))
            {
                return cached;
            }
        }

        var pools = new Pool[requested.Count];
        for (int i = 0; i < pools.Length; i++)
        {
            pools[i] = GetOrCreate(requested[i]);
        }

        // Pools are never removed, so a set stays valid for as long as it is cached.
        var set = new PoolSet(pools);
        _poolSets[_nextPoolSet] = set;
        _nextPoolSet = (_nextPoolSet + 1) % PoolSetCacheSize;
        return set;
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

    private enum LeaseState : byte
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

    /// <summary>The pools of a reservation, in its order, with their keys (what the spend log records).</summary>
    private sealed class PoolSet(Pool[] pools)
    {
        public Pool[] Pools { get; } = pools;

        public string[] Keys { get; } = Array.ConvertAll(pools, static p => p.Key);

        public bool Matches(IReadOnlyList<BudgetPool> requested)
        {
            if (requested.Count != Keys.Length)
            {
                return false;
            }

            for (int i = 0; i < Keys.Length; i++)
            {
                if (!string.Equals(requested[i].Key, Keys[i], StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }
    }

    private struct Lease(PoolSet pools, long amount, long expiresAt, string? model, string? provider)
    {
        public PoolSet Pools = pools;

        public string? Model = model;

        public string? Provider = provider;

        public long Amount = amount;

        public long ExpiresAt = expiresAt;

        public long[]? ExpiredInEpochs;

        // How many entries of the finished queue name this lease: it is forgotten when the last one leaves.
        public int RememberedTimes;

        public LeaseState State;
    }

    /// <summary>
    /// The spend log: a ring of structs, oldest first, growing up to the retention's entry count. Entries become
    /// <see cref="SpendLogEntry"/> records only when read, so a settlement adds no object that the log keeps alive.
    /// </summary>
    private sealed class SpendLog(SpendLogRetention retention)
    {
        private Entry[] _ring = new Entry[Math.Clamp(retention.MaxEntries, 0, 1_024)];
        private int _head;
        private int _count;

        public void Add(DateTimeOffset at, string leaseId, in Lease lease, string? model, long input, long cached, long output, long cost, SpendOutcome outcome)
        {
            if (retention.MaxEntries <= 0)
            {
                return;
            }

            if (_count == retention.MaxEntries)
            {
                _ring[_head] = default;
                _head = (_head + 1) % _ring.Length;
                _count--;
            }
            else if (_count == _ring.Length)
            {
                Grow();
            }

            ref var entry = ref _ring[(_head + _count) % _ring.Length];
            entry = new Entry(at.UtcTicks, lease.Pools.Keys, lease.Provider, model, input, cached, output, cost, lease.Amount, outcome);
            entry.SetLeaseId(leaseId);
            _count++;
            if (retention.MaxAge is { } maxAge)
            {
                long oldest = at.UtcTicks - maxAge.Ticks;
                while (_count > 0 && _ring[_head].Ticks < oldest)
                {
                    _ring[_head] = default;
                    _head = (_head + 1) % _ring.Length;
                    _count--;
                }
            }
        }

        public IReadOnlyList<SpendLogEntry> Read(SpendLogQuery query)
        {
            var entries = new List<SpendLogEntry>();
            for (int n = 0; n < _count; n++)
            {
                ref readonly var e = ref _ring[(_head + n) % _ring.Length];
                var at = new DateTimeOffset(e.Ticks, TimeSpan.Zero);
                if ((query.PoolKeyPrefix is null || Array.Exists(e.Pools, p => p.StartsWith(query.PoolKeyPrefix, StringComparison.Ordinal)))
                    && (query.Since is null || at >= query.Since)
                    && (query.Until is null || at < query.Until))
                {
                    entries.Add(new SpendLogEntry(at, e.LeaseId(), e.Pools, e.Model, e.InputTokens, e.CachedInputTokens, e.OutputTokens, e.CostMicros, e.ReservedMicros, e.Outcome)
                    {
                        Provider = e.Provider,
                    });
                }
            }

            return entries.Count <= query.Limit ? entries : entries.GetRange(entries.Count - Math.Max(0, query.Limit), Math.Max(0, query.Limit));
        }

        private void Grow()
        {
            var grown = new Entry[(int)Math.Min(retention.MaxEntries, (long)_ring.Length * 2)];
            for (int n = 0; n < _count; n++)
            {
                grown[n] = _ring[(_head + n) % _ring.Length];
            }

            _ring = grown;
            _head = 0;
        }

        private struct Entry(long ticks, string[] pools, string? provider, string? model, long input, long cached, long output, long cost, long reserved, SpendOutcome outcome)
        {
            public readonly long Ticks = ticks;
            public readonly string[] Pools = pools;

            // The guard's provider names are constants: a reference keeps nothing alive.
            public readonly string? Provider = provider;
            public readonly string? Model = model;
            public readonly long InputTokens = input;
            public readonly long CachedInputTokens = cached;
            public readonly long OutputTokens = output;
            public readonly long CostMicros = cost;
            public readonly long ReservedMicros = reserved;
            public readonly SpendOutcome Outcome = outcome;

            // The lease id is copied in (the guard's are 32 characters) rather than referenced: an entry kept for
            // 100,000 settlements would otherwise keep the caller's string alive and promote it into the oldest heap.
            private LeaseIdChars _chars;
            private string? _longId;
            private int _length;

            public void SetLeaseId(string id)
            {
                if (id.Length <= LeaseIdChars.Length)
                {
                    id.CopyTo(_chars);
                    _length = id.Length;
                }
                else
                {
                    _longId = id;
                }
            }

            public readonly string LeaseId() => _longId ?? new string(((ReadOnlySpan<char>)_chars)[.._length]);
        }
    }

    [InlineArray(Length)]
    private struct LeaseIdChars
    {
        public const int Length = 32;

        private char _first;
    }
}
