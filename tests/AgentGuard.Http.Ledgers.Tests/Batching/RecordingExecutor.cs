using System.Collections.Concurrent;
namespace AgentGuard.Http.Ledgers.Tests.Batching;

/// <summary>
/// A batch executor for the batcher's own tests: it records every batch (its operations, its path, its thread) and
/// answers each operation from its request alone (a reservation is granted when its amount is even; its pool is named
/// after its lease, so each caller can tell its own outcome). <see cref="HoldNextBatch"/> keeps the next batch running
/// until <see cref="Release"/>, so that tests decide what queues meanwhile.
/// </summary>
internal sealed class RecordingExecutor
{
    private readonly object _gate = new();
    private TaskCompletionSource? _held;
    private ManualResetEventSlim? _heldSync;
    private bool _holdNext;
    private int _running;

    public ConcurrentQueue<Batch> Batches { get; } = new();

    /// <summary>The most batches seen running at once.</summary>
    public int MostRunningAtOnce { get; private set; }

    /// <summary>Lease ids whose batch throws (every operation of it fails).</summary>
    public HashSet<string> FailBatchOf { get; } = [];

    /// <summary>Lease ids the executor fails alone.</summary>
    public HashSet<string> FailAlone { get; } = [];

    /// <summary>Set when a held batch has started (it is then inside the executor).</summary>
    public ManualResetEventSlim HeldBatchStarted { get; } = new();

    public void HoldNextBatch()
    {
        lock (_gate)
        {
            _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _heldSync = new ManualResetEventSlim();
            _holdNext = true;
        }
    }

    public void Release()
    {
        lock (_gate)
        {
            _held?.TrySetResult();
            _heldSync?.Set();
        }
    }

    public ValueTask Execute(IReadOnlyList<LedgerOperation> batch, bool async)
    {
        TaskCompletionSource? held;
        ManualResetEventSlim? heldSync;
        lock (_gate)
        {
            (held, heldSync) = _holdNext ? (_held, _heldSync) : (null, null);
            _holdNext = false;
            int running = Interlocked.Increment(ref _running);
            MostRunningAtOnce = Math.Max(MostRunningAtOnce, running);
        }

        Batches.Enqueue(new Batch([.. batch.Select(o => (o.Kind, o.LeaseId, o.Settlement?.CostMicros))], async, Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread));
        if (held is null)
        {
            Complete(batch);
            return ValueTask.CompletedTask;
        }

        HeldBatchStarted.Set();
        if (!async)
        {
            heldSync!.Wait();
            Complete(batch);
            return ValueTask.CompletedTask;
        }

        return CompleteLaterAsync(held.Task, batch);
    }

    private async ValueTask CompleteLaterAsync(Task held, IReadOnlyList<LedgerOperation> batch)
    {
        await held;
        Complete(batch);
    }

    private void Complete(IReadOnlyList<LedgerOperation> batch)
    {
        try
        {
            if (batch.Any(o => FailBatchOf.Contains(o.LeaseId)))
            {
                throw new IOException("the store went away");
            }

            foreach (var operation in batch)
            {
                if (FailAlone.Contains(operation.LeaseId))
                {
                    operation.SetFailed(new OverflowException("this one alone"));
                    continue;
                }

                switch (operation.Kind)
                {
                    case LedgerOperationKind.Reserve:
                        var request = operation.Reservation!;
                        operation.SetReserved(new ReservationResult(request.AmountMicros % 2 == 0, new BudgetPoolState(request.LeaseId, 1_000, 0, request.AmountMicros)));
                        break;
                    case LedgerOperationKind.Settle:
                        operation.SetSettled(new SettlementResult(SettlementStatus.Settled, [new BudgetPoolState(operation.LeaseId, 1_000, operation.Settlement!.CostMicros ?? 0, 0)]));
                        break;
                    default:
                        operation.SetExtended(operation.LeaseDuration > TimeSpan.Zero);
                        break;
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    internal sealed record Batch(IReadOnlyList<(LedgerOperationKind Kind, string LeaseId, long? Cost)> Operations, bool Async, int Thread, bool OnThreadPool)
    {
        public IEnumerable<string> Leases => Operations.Select(o => o.LeaseId);
    }
}
