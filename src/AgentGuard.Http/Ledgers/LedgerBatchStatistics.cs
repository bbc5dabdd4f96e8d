namespace AgentGuard.Http.Ledgers;

/// <summary>How a <see cref="LedgerBatcher"/> grouped its operations into store transactions.</summary>
/// <param name="Batches">Batches run (with batching off, every operation is a batch of one).</param>
/// <param name="Operations">Operations they held.</param>
/// <param name="LargestBatch">The most operations of one batch.</param>
/// <param name="Queued">Operations waiting for a batch right now (not those of the batches running).</param>
/// <param name="Running">Batches running right now: at most one of the synchronous callers' and one of the asynchronous callers' (none counted with batching off).</param>
public readonly record struct LedgerBatchStatistics(long Batches, long Operations, int LargestBatch, int Queued, int Running)
{
    /// <summary>Operations per batch, on average.</summary>
    public double AverageBatch => Batches == 0 ? 0 : (double)Operations / Batches;
}
