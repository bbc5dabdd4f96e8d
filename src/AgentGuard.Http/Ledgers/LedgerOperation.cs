using System.Runtime.ExceptionServices;
using System.Threading.Tasks.Sources;

namespace AgentGuard.Http.Ledgers;

/// <summary>
/// One reservation, settlement or extension queued in a <see cref="LedgerBatcher"/>: what a store's batch executor reads,
/// and where it writes the operation's outcome (<see cref="SetReserved"/>, <see cref="SetSettled"/>,
/// <see cref="SetExtended"/>, or <see cref="SetFailed"/> for a failure of this operation alone). The caller sees the
/// outcome only once the executor has returned, that is once the batch's transaction is durable.
/// </summary>
public sealed class LedgerOperation : IValueTaskSource
{
    private const int Pending = 0;
    private const int Leading = 1;
    private const int Completed = 2;
    private const int Abandoned = 3;

    // Async callers wait here without an allocation of their own; sync callers on the event (their own thread).
    private ManualResetValueTaskSourceCore<bool> _signal = new() { RunContinuationsAsynchronously = true };
    private readonly ManualResetEventSlim? _syncSignal;
    private int _state;
    private List<LedgerOperation>? _ledBatch;
    private ReservationResult _reserved;
    private SettlementResult _settled;
    private bool _extended;
    private Exception? _failure;

    private LedgerOperation(LedgerOperationKind kind, string leaseId, bool sync, object? storeState)
    {
        Kind = kind;
        LeaseId = leaseId;
        StoreState = storeState;
        _syncSignal = sync ? new ManualResetEventSlim(false, spinCount: 1) : null;
    }

    /// <summary>What the operation does.</summary>
    public LedgerOperationKind Kind { get; }

    /// <summary>The lease it is about: operations on one lease never share a batch, so a batch may treat them independently.</summary>
    public string LeaseId { get; }

    /// <summary>The reservation (for <see cref="LedgerOperationKind.Reserve"/>), as the store validated it.</summary>
    public ReservationRequest? Reservation { get; private init; }

    /// <summary>The settlement (for <see cref="LedgerOperationKind.Settle"/>): a release when its cost is null.</summary>
    public SettlementRequest? Settlement { get; private init; }

    /// <summary>The new lease duration, from the store's now (for <see cref="LedgerOperationKind.Extend"/>).</summary>
    public TimeSpan LeaseDuration { get; private init; }

    /// <summary>What the store attached to the operation when it queued it (for example the budget a lease belongs to).</summary>
    public object? StoreState { get; }

    /// <summary>Whether the executor has given this operation an outcome (or a failure of its own).</summary>
    public bool HasOutcome { get; private set; }

    /// <summary>Records a reservation's outcome.</summary>
    public void SetReserved(ReservationResult result)
    {
        CheckKind(LedgerOperationKind.Reserve);
        _reserved = result;
        Succeeded();
    }

    /// <summary>Records a settlement's outcome.</summary>
    public void SetSettled(SettlementResult result)
    {
        CheckKind(LedgerOperationKind.Settle);
        _settled = result;
        Succeeded();
    }

    /// <summary>Records an extension's outcome.</summary>
    public void SetExtended(bool extended)
    {
        CheckKind(LedgerOperationKind.Extend);
        _extended = extended;
        Succeeded();
    }

    /// <summary>Records that this operation alone failed, changing nothing (the others of its batch stand): its caller gets <paramref name="failure"/>.</summary>
    public void SetFailed(Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        _failure = failure;
        HasOutcome = true;
    }

    internal static LedgerOperation Reserve(ReservationRequest request, bool sync, object? storeState)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new LedgerOperation(LedgerOperationKind.Reserve, request.LeaseId, sync, storeState) { Reservation = request };
    }

    internal static LedgerOperation Settle(SettlementRequest settlement, bool sync, object? storeState)
    {
        ArgumentNullException.ThrowIfNull(settlement);
        return new LedgerOperation(LedgerOperationKind.Settle, settlement.LeaseId, sync, storeState) { Settlement = settlement };
    }

    internal static LedgerOperation Extend(string leaseId, TimeSpan leaseDuration, bool sync, object? storeState)
    {
        ArgumentException.ThrowIfNullOrEmpty(leaseId);
        return new LedgerOperation(LedgerOperationKind.Extend, leaseId, sync, storeState) { LeaseDuration = leaseDuration };
    }

    /// <summary>The release of a reservation granted to a caller that gave up waiting: nobody waits for it, and it never leads.</summary>
    internal static LedgerOperation ReleaseAbandoned(LedgerOperation granted)
    {
        var release = new SettlementRequest(granted.LeaseId, null, new SpendDetails(SpendOutcome.Released, granted.Reservation!.Model));
        var operation = Settle(release, sync: false, granted.StoreState);
        operation._state = Abandoned;
        return operation;
    }

    internal ReservationResult ReservedResult() => _failure is null ? _reserved : throw Rethrow(_failure);

    internal SettlementResult SettledResult() => _failure is null ? _settled : throw Rethrow(_failure);

    internal bool ExtendedResult() => _failure is null ? _extended : throw Rethrow(_failure);

    /// <summary>Whether this is a reservation that was granted (the executor's outcome, no failure).</summary>
    internal bool IsGrantedReservation => Kind == LedgerOperationKind.Reserve && _failure is null && _reserved.Granted;

    /// <summary>The caller of an idle queue leads the batch it starts.</summary>
    internal void MarkLeading() => Volatile.Write(ref _state, Leading);

    /// <summary>Chooses this waiting operation's caller to lead <paramref name="batch"/>; false when the caller gave up waiting.</summary>
    internal bool TryLead(List<LedgerOperation> batch)
    {
        if (Interlocked.CompareExchange(ref _state, Leading, Pending) != Pending)
        {
            return false;
        }

        _ledBatch = batch;
        return true;
    }

    /// <summary>Wakes the caller chosen by <see cref="TryLead"/>.</summary>
    internal void WakeLeader() => Signal();

    /// <summary>The batch this caller was chosen to lead, once (null when it was completed instead).</summary>
    internal List<LedgerOperation>? TakeLedBatch()
    {
        var batch = _ledBatch;
        _ledBatch = null;
        return batch;
    }

    /// <summary>
    /// Ends the operation after its batch: <paramref name="batchFailure"/> (the whole batch failed) replaces its own
    /// outcome. Returns whether its caller waits to be woken (<see cref="WakeCompleted"/>); false when the caller is
    /// the one running the batch, or gave up waiting (cancelled: the outcome then has no reader, see <see cref="IsAbandoned"/>).
    /// </summary>
    internal bool Finish(Exception? batchFailure)
    {
        if (batchFailure is not null)
        {
            _failure = batchFailure;
            HasOutcome = true;
        }
        else if (!HasOutcome)
        {
            _failure = new InvalidOperationException($"The ledger's batch gave the {Kind} of lease '{LeaseId}' no outcome.");
            HasOutcome = true;
        }

        if (Volatile.Read(ref _state) == Leading)
        {
            // The caller is the thread running this batch: it reads the outcome when the batch returns.
            Volatile.Write(ref _state, Completed);
            return false;
        }

        return Interlocked.CompareExchange(ref _state, Completed, Pending) == Pending;
    }

    /// <summary>Whether the caller gave up waiting before the operation finished.</summary>
    internal bool IsAbandoned => Volatile.Read(ref _state) == Abandoned;

    /// <summary>Wakes the caller of an operation that <see cref="Finish"/> completed.</summary>
    internal void WakeCompleted() => Signal();

    /// <summary>Waits (on the caller's own thread) until the operation is completed or its caller chosen to lead.</summary>
    internal void WaitSync() => _syncSignal!.Wait();

    /// <summary>Waits until the operation is completed or its caller chosen to lead; cancellation gives up waiting, never the operation.</summary>
    internal async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static (state, token) => ((LedgerOperation)state!).TryAbandon(token), this)
            : default;
        try
        {
            await new ValueTask(this, _signal.Version).ConfigureAwait(false);
        }
        finally
        {
            await registration.DisposeAsync().ConfigureAwait(false);
        }
    }

    void IValueTaskSource.GetResult(short token) => _signal.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _signal.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _signal.OnCompleted(continuation, state, token, flags);

    private void TryAbandon(CancellationToken token)
    {
        if (Interlocked.CompareExchange(ref _state, Abandoned, Pending) == Pending)
        {
            _signal.SetException(new OperationCanceledException(token));
        }
    }

    private void Signal()
    {
        if (_syncSignal is not null)
        {
            _syncSignal.Set();
        }
        else
        {
            _signal.SetResult(true);
        }
    }

    private void CheckKind(LedgerOperationKind kind)
    {
        if (kind != Kind)
        {
            throw new InvalidOperationException($"A {Kind} operation cannot take the outcome of a {kind}.");
        }
    }

    private void Succeeded()
    {
        _failure = null;
        HasOutcome = true;
    }

    private static Exception Rethrow(Exception failure)
    {
        ExceptionDispatchInfo.Throw(failure);
        return failure;
    }
}
