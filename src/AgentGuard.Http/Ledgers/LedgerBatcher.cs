namespace AgentGuard.Http.Ledgers;

/// <summary>
/// Group commit for a shared ledger: reservations, settlements and extensions that arrive while the store is busy
/// with a batch are queued and run together as the next batch, in one store transaction (one flush), each with an
/// outcome of its own. For store implementers: the store supplies a <see cref="BatchExecutor"/>, which runs a batch;
/// the SQLite, Redis and PostgreSQL ledgers use this class.
/// <para>
/// <b>Batch formation.</b> A caller that finds its queue idle runs its operation at once, as a batch of one, on its
/// own call: an idle store's caller never waits for a window, a timer or another thread. Callers that arrive while a
/// batch runs wait in the queue; when the batch ends, its caller takes the waiting operations (at most
/// <see cref="MaxBatchSize"/>, and never two of one lease, which wait for the batch after), wakes one of their callers
/// to run them as the next batch, and returns. One batch runs at a time per queue.
/// </para>
/// <para>
/// <b>Synchronous callers</b> have a queue of their own: their batches are run by one of them, on its own thread, with
/// the store's synchronous API, and the others wait on an event that thread sets. A synchronous caller therefore
/// never waits for asynchronous work (which might need the thread pool it blocks); asynchronous callers batch with
/// each other on the store's asynchronous API.
/// </para>
/// <para>
/// <b>Failures.</b> An exception from the executor fails every operation of the batch with it; the store's retry
/// policy (<see cref="ResilientBudgetLedger"/>) then retries each one under its own lease id, on which every operation
/// is idempotent, so one that landed is not applied twice. An operation the executor fails alone
/// (<see cref="LedgerOperation.SetFailed"/>) fails alone. <b>Cancellation</b> ends a caller's wait, never its
/// operation, which stays queued or running; a reservation granted to a caller that had given up waiting is released
/// under its lease id by the batcher (its caller never learned of it, so no call was sent against it).
/// </para>
/// </summary>
public sealed class LedgerBatcher
{
    /// <summary>The default of the stores' <c>MaxBatchSize</c> option.</summary>
    public const int DefaultMaxBatchSize = 128;

    /// <summary>
    /// The largest <c>MaxBatchSize</c> the stores accept: a batch of this many operations stays far below PostgreSQL's
    /// 65,535 parameters (its statements take one array per field, not one parameter per operation) and runs in
    /// milliseconds, far below Redis's 5-second busy-script threshold.
    /// </summary>
    public const int MaxBatchSizeLimit = 1_000;

    private readonly BatchExecutor _execute;
    private readonly Lane _syncLane;
    private readonly Lane _asyncLane;
    private long _batches;
    private long _operations;
    private int _largestBatch;

    /// <summary>Creates a batcher over a store's executor.</summary>
    /// <param name="execute">Runs one batch in one store transaction and records each operation's outcome.</param>
    /// <param name="enabled">
    /// Whether operations are batched; when false, each runs at once on its caller's call as a batch of one (the
    /// store's own concurrency control applies), the way every operation ran before group commit.
    /// </param>
    /// <param name="maxBatchSize">The most operations of one batch, 1 to <see cref="MaxBatchSizeLimit"/>.</param>
    public LedgerBatcher(BatchExecutor execute, bool enabled = true, int maxBatchSize = DefaultMaxBatchSize)
    {
        ArgumentNullException.ThrowIfNull(execute);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBatchSize, MaxBatchSizeLimit);
        _execute = execute;
        Enabled = enabled;
        MaxBatchSize = maxBatchSize;
        _syncLane = new Lane(this, async: false);
        _asyncLane = new Lane(this, async: true);
    }

    /// <summary>
    /// Runs a batch: every operation in one transaction of the store, each given an outcome
    /// (<see cref="LedgerOperation.SetReserved"/> and its siblings, or <see cref="LedgerOperation.SetFailed"/>). The
    /// outcomes reach the callers once it returns, so it returns once the batch is durable. The operations were queued
    /// concurrently, so the executor may apply them in any order. With <paramref name="async"/> false it must complete
    /// synchronously, using the store's synchronous API only. It gets no cancellation token: a batch runs to its end
    /// (bounded by the store's timeouts), whoever gave up waiting for it.
    /// </summary>
    /// <param name="batch">The operations, in the order they were queued; at most one per lease.</param>
    /// <param name="async">Whether to use the store's asynchronous API.</param>
    public delegate ValueTask BatchExecutor(IReadOnlyList<LedgerOperation> batch, bool async);

    /// <summary>Whether operations are batched (the store's <c>Batching</c> option).</summary>
    public bool Enabled { get; }

    /// <summary>The most operations of one batch.</summary>
    public int MaxBatchSize { get; }

    /// <summary>How many batches ran, with how many operations.</summary>
    public LedgerBatchStatistics Statistics =>
        new(Interlocked.Read(ref _batches), Interlocked.Read(ref _operations), Volatile.Read(ref _largestBatch), _syncLane.Queued + _asyncLane.Queued, _syncLane.Running + _asyncLane.Running);

    /// <summary>
    /// Throws, with a message that names the store's option and says what to fix, when <paramref name="maxBatchSize"/>
    /// is out of range; the stores call it when they validate their options (at startup).
    /// </summary>
    /// <param name="maxBatchSize">The option's value.</param>
    /// <param name="optionName">The option, as the user writes it (<c>SqliteLedgerOptions.MaxBatchSize</c>).</param>
    public static void ValidateMaxBatchSize(int maxBatchSize, string optionName)
    {
        if (maxBatchSize is < 1 or > MaxBatchSizeLimit)
        {
            throw new ArgumentOutOfRangeException(
                optionName,
                maxBatchSize,
                $"{optionName} must be between 1 and {MaxBatchSizeLimit:N0} (the default is {DefaultMaxBatchSize}); to turn batching off, set Batching to false instead.");
        }
    }

    /// <summary>Queues a reservation (validated by the store) and waits for its outcome.</summary>
    /// <param name="request">The reservation.</param>
    /// <param name="storeState">What the store attaches to the operation (<see cref="LedgerOperation.StoreState"/>).</param>
    /// <param name="cancellationToken">Ends the wait, not the operation.</param>
    public async ValueTask<ReservationResult> ReserveAsync(ReservationRequest request, object? storeState = null, CancellationToken cancellationToken = default)
    {
        var operation = LedgerOperation.Reserve(request, sync: false, storeState);
        await _asyncLane.RunAsync(operation, cancellationToken).ConfigureAwait(false);
        return operation.ReservedResult();
    }

    /// <summary>Queues a reservation (validated by the store) and waits for its outcome on this thread.</summary>
    /// <param name="request">The reservation.</param>
    /// <param name="storeState">What the store attaches to the operation (<see cref="LedgerOperation.StoreState"/>).</param>
    public ReservationResult Reserve(ReservationRequest request, object? storeState = null)
    {
        var operation = LedgerOperation.Reserve(request, sync: true, storeState);
        _syncLane.Run(operation);
        return operation.ReservedResult();
    }

    /// <summary>Queues a settlement (validated by the store) and waits for its outcome.</summary>
    /// <param name="settlement">The commit or release.</param>
    /// <param name="storeState">What the store attaches to the operation (<see cref="LedgerOperation.StoreState"/>).</param>
    /// <param name="cancellationToken">Ends the wait, not the operation.</param>
    public async ValueTask<SettlementResult> SettleAsync(SettlementRequest settlement, object? storeState = null, CancellationToken cancellationToken = default)
    {
        var operation = LedgerOperation.Settle(settlement, sync: false, storeState);
        await _asyncLane.RunAsync(operation, cancellationToken).ConfigureAwait(false);
        return operation.SettledResult();
    }

    /// <summary>Queues a settlement (validated by the store) and waits for its outcome on this thread.</summary>
    /// <param name="settlement">The commit or release.</param>
    /// <param name="storeState">What the store attaches to the operation (<see cref="LedgerOperation.StoreState"/>).</param>
    public SettlementResult Settle(SettlementRequest settlement, object? storeState = null)
    {
        var operation = LedgerOperation.Settle(settlement, sync: true, storeState);
        _syncLane.Run(operation);
        return operation.SettledResult();
    }

    /// <summary>Queues an extension and waits for its outcome.</summary>
    /// <param name="leaseId">The lease.</param>
    /// <param name="leaseDuration">Its new duration, from the store's now.</param>
    /// <param name="storeState">What the store attaches to the operation (<see cref="LedgerOperation.StoreState"/>).</param>
    /// <param name="cancellationToken">Ends the wait, not the operation.</param>
    public async ValueTask<bool> ExtendAsync(string leaseId, TimeSpan leaseDuration, object? storeState = null, CancellationToken cancellationToken = default)
    {
        var operation = LedgerOperation.Extend(leaseId, leaseDuration, sync: false, storeState);
        await _asyncLane.RunAsync(operation, cancellationToken).ConfigureAwait(false);
        return operation.ExtendedResult();
    }

    /// <summary>Queues an extension and waits for its outcome on this thread.</summary>
    /// <param name="leaseId">The lease.</param>
    /// <param name="leaseDuration">Its new duration, from the store's now.</param>
    /// <param name="storeState">What the store attaches to the operation (<see cref="LedgerOperation.StoreState"/>).</param>
    public bool Extend(string leaseId, TimeSpan leaseDuration, object? storeState = null)
    {
        var operation = LedgerOperation.Extend(leaseId, leaseDuration, sync: true, storeState);
        _syncLane.Run(operation);
        return operation.ExtendedResult();
    }

    private void Record(int size)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _operations, size);
        int largest = Volatile.Read(ref _largestBatch);
        while (size > largest && Interlocked.CompareExchange(ref _largestBatch, size, largest) is var seen && seen != largest)
        {
            largest = seen;
        }
    }

    /// <summary>One queue: the synchronous callers' or the asynchronous callers'. One batch of it runs at a time.</summary>
    private sealed class Lane(LedgerBatcher owner, bool async)
    {
        private readonly Lock _lock = new();
        private readonly HashSet<string> _batchLeases = new(StringComparer.Ordinal);
        private List<LedgerOperation> _pending = [];
        private List<LedgerOperation> _spare = [];
        private bool _running;

        public int Queued
        {
            get
            {
                lock (_lock)
                {
                    return _pending.Count;
                }
            }
        }

        public int Running
        {
            get
            {
                lock (_lock)
                {
                    return _running ? 1 : 0;
                }
            }
        }

        /// <summary>Runs a synchronous caller's operation: leading its batch, or waiting on its event for a batch that holds it.</summary>
        public void Run(LedgerOperation operation)
        {
            var batch = Enqueue(operation);
            if (batch is null)
            {
                operation.WaitSync();

                // Woken either with the outcome, or to lead the next batch (which holds this operation).
                batch = operation.TakeLedBatch();
            }

            while (batch is not null)
            {
                var next = RunBatchAsync(batch);
                if (!next.IsCompleted)
                {
                    throw new InvalidOperationException("The synchronous path of the ledger's batch went asynchronous.");
                }

                batch = next.GetAwaiter().GetResult();
            }
        }

        /// <summary>Runs an asynchronous caller's operation: leading its batch, or waiting for a batch that holds it.</summary>
        public async ValueTask RunAsync(LedgerOperation operation, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = Enqueue(operation);
            if (batch is null)
            {
                await operation.WaitAsync(cancellationToken).ConfigureAwait(false);
                batch = operation.TakeLedBatch();
            }

            while (batch is not null)
            {
                batch = await RunBatchAsync(batch).ConfigureAwait(false);
            }
        }

        /// <summary>Queues the operation, or, when no batch runs, returns a batch of it alone for its caller to run at once.</summary>
        private List<LedgerOperation>? Enqueue(LedgerOperation operation)
        {
            if (owner.Enabled)
            {
                lock (_lock)
                {
                    if (_running)
                    {
                        _pending.Add(operation);
                        return null;
                    }

                    _running = true;
                }
            }

            operation.MarkLeading();
            return [operation];
        }

        /// <summary>
        /// Runs one batch, gives its operations their outcomes, and hands the waiting operations to the caller of one of
        /// them; returns them instead when none of their callers can take them (they all gave up waiting).
        /// </summary>
        private async ValueTask<List<LedgerOperation>?> RunBatchAsync(List<LedgerOperation> batch)
        {
            Exception? failure = null;
            try
            {
                var execution = owner._execute(batch, async);
                if (async)
                {
                    await execution.ConfigureAwait(false);
                }
                else if (!execution.IsCompleted)
                {
                    throw new InvalidOperationException("The ledger's synchronous batch executor went asynchronous.");
                }
                else
                {
                    execution.GetAwaiter().GetResult();
                }
            }
#pragma warning disable CA1031 // Every operation of the batch is given the failure, and each caller rethrows it.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failure = ex;
            }

            owner.Record(batch.Count);
            List<LedgerOperation>? completed = null;
            List<LedgerOperation>? abandonedGrants = null;
            foreach (var operation in batch)
            {
                if (operation.Finish(failure))
                {
                    (completed ??= new List<LedgerOperation>(batch.Count)).Add(operation);
                }
                else if (operation.IsAbandoned && operation.IsGrantedReservation)
                {
                    (abandonedGrants ??= []).Add(operation);
                }
            }

            List<LedgerOperation>? next = null;
            LedgerOperation? leader = null;
            if (owner.Enabled)
            {
                // The next batch is taken before anyone is woken, so that a caller that has its outcome finds the
                // queue as it is: idle, or with a leader of its own.
                lock (_lock)
                {
                    foreach (var abandoned in abandonedGrants ?? [])
                    {
                        // Nobody waits for these releases: they go with the next batch, whoever runs it.
                        _pending.Add(LedgerOperation.ReleaseAbandoned(abandoned));
                    }

                    next = TakeNextBatch();
                    if (next is not null)
                    {
                        foreach (var operation in next)
                        {
                            if (operation.TryLead(next))
                            {
                                leader = operation;
                                break;
                            }
                        }
                    }
                }
            }

            // The next batch's leader first: the store gets its next transaction as soon as possible.
            leader?.WakeLeader();
            foreach (var operation in completed ?? [])
            {
                operation.WakeCompleted();
            }

            // With no caller to lead them (they all gave up waiting), this caller runs them itself.
            return leader is null ? next : null;
        }

        /// <summary>The next batch from the queue, in order, at most one operation per lease; null (and idle) when nothing waits.</summary>
        private List<LedgerOperation>? TakeNextBatch()
        {
            if (_pending.Count == 0)
            {
                _running = false;
                return null;
            }

            var next = new List<LedgerOperation>(Math.Min(_pending.Count, owner.MaxBatchSize));
            var rest = _spare;
            foreach (var operation in _pending)
            {
                if (next.Count < owner.MaxBatchSize && _batchLeases.Add(operation.LeaseId))
                {
                    next.Add(operation);
                }
                else
                {
                    rest.Add(operation);
                }
            }

            _batchLeases.Clear();
            _spare = _pending;
            _spare.Clear();
            _pending = rest;
            return next;
        }
    }
}
