namespace AgentGuard.Http.Ledgers;

/// <summary>
/// Group commit for a shared ledger: reservations, settlements and extensions that arrive while the store is busy
/// with a batch are queued, and run together as the next batch, in one store transaction (one flush), each with an
/// outcome of its own. For store implementers: the store supplies <see cref="BatchExecutor"/>, which runs a batch;
/// the SQLite, Redis and PostgreSQL ledgers use this class.
/// <para>
/// <b>Batch formation.</b> A caller that finds the queue idle runs its operation at once, as a batch of one, on its
/// own call: an idle store's caller never waits for a window or a timer. Callers that arrive while a batch runs wait
/// in the queue; when the batch ends, its caller takes the waiting operations (at most <c>maxBatchSize</c>, and never
/// two of one lease, which wait for the batch after) and hands them to one of their callers, who runs them as the
/// next batch, while the others wait for their outcome. One batch runs at a time per batcher.
/// </para>
/// <para>
/// <b>Synchronous callers</b> never wait on asynchronous work that they could have done themselves: a batch that
/// holds a synchronous caller's operation is run by a synchronous caller, with the store's synchronous API, on its own
/// thread; the others wait on an event that thread sets. A synchronous caller that arrives while an asynchronous
/// caller's batch runs waits for that batch, as it would wait for any other writer of the store.
/// </para>
/// <para>
/// <b>Failures.</b> An exception from the executor fails every operation of the batch with it (the store's retry
/// policy, <see cref="ResilientBudgetLedger"/>, retries each one with the same lease id: every operation is
/// idempotent on it, so one that landed is not applied twice); an operation the executor fails alone
/// (<see cref="LedgerOperation.SetFailed"/>) fails alone. <b>Cancellation</b> stops a caller's waiting, never its
/// operation, which stays queued or running: a reservation granted to a caller that gave up waiting is released
/// (its caller never learned of it, so nothing was sent), by this batcher, under its lease id.
/// </para>
/// </summary>
public sealed class LedgerBatcher
{
    /// <summary>The default of the stores' <c>MaxBatchSize</c> option.</summary>
    public const int DefaultMaxBatchSize = 128;

    /// <summary>
    /// The largest <c>MaxBatchSize</c> the stores accept: a batch of this many operations stays far below PostgreSQL's
    /// 65,535 parameters (its statements take one array per field) and runs in milliseconds, far below Redis's 5-second
    /// busy-script threshold.
    /// </summary>
    public const int MaxBatchSizeLimit = 1_000;

    private readonly BatchExecutor _execute;
    private readonly bool _enabled;
    private readonly int _maxBatchSize;
    private readonly Lock _lock = new();
    private readonly HashSet<string> _batchLeases = new(StringComparer.Ordinal);
    private List<LedgerOperation> _pending = [];
    private List<LedgerOperation> _spare = [];
    private bool _running;
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
        _enabled = enabled;
        _maxBatchSize = maxBatchSize;
    }

    /// <summary>
    /// Runs a batch: every operation in one transaction of the store, each given an outcome
    /// (<see cref="LedgerOperation.SetReserved"/> and its siblings, or <see cref="LedgerOperation.SetFailed"/>). The
    /// outcomes reach the callers once it returns, so it returns once the batch is durable. With
    /// <paramref name="async"/> false it must complete synchronously, using the store's synchronous API only. It gets
    /// no cancellation token: a batch runs to its end (bounded by the store's timeouts), whoever gave up waiting.
    /// </summary>
    /// <param name="batch">The operations, in the order they were queued; at most one per lease.</param>
    /// <param name="async">Whether to use the store's asynchronous API.</param>
    public delegate ValueTask BatchExecutor(IReadOnlyList<LedgerOperation> batch, bool async);

    /// <summary>Whether operations are batched (the store's <c>Batching</c> option).</summary>
    public bool Enabled => _enabled;

    /// <summary>The most operations of one batch.</summary>
    public int MaxBatchSize => _maxBatchSize;

    /// <summary>How many batches ran, with how many operations.</summary>
    public LedgerBatchStatistics Statistics
    {
        get
        {
            lock (_lock)
            {
                return new LedgerBatchStatistics(_batches, _operations, _largestBatch);
            }
        }
    }

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

    /// <summary>Queues a reservation and waits for its outcome.</summary>
    public async ValueTask<ReservationResult> ReserveAsync(ReservationRequest request, CancellationToken cancellationToken, object? storeState = null)
    {
        var operation = LedgerOperation.Reserve(request, sync: false, storeState);
        await RunAsync(operation, async: true, cancellationToken).ConfigureAwait(false);
        return operation.ReservedResult();
    }

    /// <summary>Queues a reservation and waits for its outcome, on this thread.</summary>
    public ReservationResult Reserve(ReservationRequest request, object? storeState = null)
    {
        var operation = LedgerOperation.Reserve(request, sync: true, storeState);
        Complete(RunAsync(operation, async: false, CancellationToken.None));
        return operation.ReservedResult();
    }

    /// <summary>Queues a settlement and waits for its outcome.</summary>
    public async ValueTask<SettlementResult> SettleAsync(SettlementRequest settlement, CancellationToken cancellationToken, object? storeState = null)
    {
        var operation = LedgerOperation.Settle(settlement, sync: false, storeState);
        await RunAsync(operation, async: true, cancellationToken).ConfigureAwait(false);
        return operation.SettledResult();
    }

    /// <summary>Queues a settlement and waits for its outcome, on this thread.</summary>
    public SettlementResult Settle(SettlementRequest settlement, object? storeState = null)
    {
        var operation = LedgerOperation.Settle(settlement, sync: true, storeState);
        Complete(RunAsync(operation, async: false, CancellationToken.None));
        return operation.SettledResult();
    }

    /// <summary>Queues an extension and waits for its outcome.</summary>
    public async ValueTask<bool> ExtendAsync(string leaseId, TimeSpan leaseDuration, CancellationToken cancellationToken, object? storeState = null)
    {
        var operation = LedgerOperation.Extend(leaseId, leaseDuration, sync: false, storeState);
        await RunAsync(operation, async: true, cancellationToken).ConfigureAwait(false);
        return operation.ExtendedResult();
    }

    /// <summary>Queues an extension and waits for its outcome, on this thread.</summary>
    public bool Extend(string leaseId, TimeSpan leaseDuration, object? storeState = null)
    {
        var operation = LedgerOperation.Extend(leaseId, leaseDuration, sync: true, storeState);
        Complete(RunAsync(operation, async: false, CancellationToken.None));
        return operation.ExtendedResult();
    }

    private static void Complete(ValueTask operation)
    {
        if (!operation.IsCompleted)
        {
            throw new InvalidOperationException("The synchronous path went asynchronous.");
        }

        operation.GetAwaiter().GetResult();
    }

    /// <summary>Runs <paramref name="operation"/> (leading its batch, or waiting for a batch that holds it) until it has an outcome.</summary>
    private async ValueTask RunAsync(LedgerOperation operation, bool async, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var batch = Enqueue(operation);
        if (batch is null)
        {
            if (async)
            {
                await operation.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                operation.WaitSync();
            }

            // Woken either with the outcome, or to lead the next batch (which holds this operation).
            batch = operation.TakeLedBatch();
        }

        while (batch is not null)
        {
            batch = await RunBatchAsync(batch, async).ConfigureAwait(false);
        }
    }

    /// <summary>Queues the operation, or, when no batch runs, returns a batch of it alone for its caller to run at once.</summary>
    private List<LedgerOperation>? Enqueue(LedgerOperation operation)
    {
        if (_enabled)
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
    private async ValueTask<List<LedgerOperation>?> RunBatchAsync(List<LedgerOperation> batch, bool async)
    {
        Exception? failure = null;
        try
        {
            var execution = _execute(batch, async);
            if (async)
            {
                await execution.ConfigureAwait(false);
            }
            else
            {
                Complete(execution);
            }
        }
#pragma warning disable CA1031 // Every operation of the batch is given the failure, and each caller rethrows it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failure = ex;
        }

        // Outcomes first: the callers woken now queue their next operations in time for the next batch.
        List<LedgerOperation>? abandonedGrants = null;
        foreach (var operation in batch)
        {
            if (!operation.Finish(failure) && operation.IsAbandonedGrant)
            {
                (abandonedGrants ??= []).Add(operation);
            }
        }

        if (!_enabled)
        {
            // Every caller runs its own operation: none can have given up waiting for it.
            return null;
        }

        List<LedgerOperation>? next;
        LedgerOperation? leader = null;
        lock (_lock)
        {
            Record(batch.Count);
            foreach (var abandoned in abandonedGrants ?? [])
            {
                // Nobody waits for these releases: they go with the next batch, whoever runs it.
                var release = LedgerOperation.Settle(Released(abandoned), sync: false, abandoned.StoreState);
                release.MarkUnwatched();
                _pending.Add(release);
            }

            next = TakeNextBatch();
            if (next is not null)
            {
                leader = ChooseLeader(next);
            }
        }

        if (leader is not null)
        {
            leader.WakeLeader();
            return null;
        }

        return next;
    }

    private static SettlementRequest Released(LedgerOperation abandoned) =>
        new(abandoned.LeaseId, null, new SpendDetails(SpendOutcome.Released, abandoned.Reservation!.Model));

    /// <summary>The next batch from the queue, in order, at most one operation per lease; null (and idle) when nothing waits.</summary>
    private List<LedgerOperation>? TakeNextBatch()
    {
        if (_pending.Count == 0)
        {
            _running = false;
            return null;
        }

        var next = new List<LedgerOperation>(Math.Min(_pending.Count, _maxBatchSize));
        var rest = _spare;
        foreach (var operation in _pending)
        {
            if (next.Count < _maxBatchSize && _batchLeases.Add(operation.LeaseId))
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

    /// <summary>A caller of the batch to run it: a synchronous one when there is one, so that it never waits on async work.</summary>
    private static LedgerOperation? ChooseLeader(List<LedgerOperation> next)
    {
        foreach (var operation in next)
        {
            if (operation.IsSync && operation.TryLead(next))
            {
                return operation;
            }
        }

        foreach (var operation in next)
        {
            if (!operation.IsSync && operation.TryLead(next))
            {
                return operation;
            }
        }

        return null;
    }

    private void Record(int size)
    {
        _batches++;
        _operations += size;
        _largestBatch = Math.Max(_largestBatch, size);
    }
}

/// <summary>How a <see cref="LedgerBatcher"/> grouped its operations.</summary>
/// <param name="Batches">Batches run (with batching off: none are counted).</param>
/// <param name="Operations">Operations they held.</param>
/// <param name="LargestBatch">The most operations of one batch.</param>
public readonly record struct LedgerBatchStatistics(long Batches, long Operations, int LargestBatch)
{
    /// <summary>Operations per batch, on average.</summary>
    public double AverageBatch => Batches == 0 ? 0 : (double)Operations / Batches;
}
