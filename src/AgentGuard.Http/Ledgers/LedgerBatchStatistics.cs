namespace AgentGuard.Http.Ledgers;

/// <summary>How a <see cref="LedgerBatcher"/> grouped its operations into store transactions.</summary>
/// <param name="Batches">Batches run (with batching off, every operation is a batch of one).</param>
/// <param name="Operations">Operations they held.</param>
/// <param name="LargestBatch">The most operations of one batch.</param>
public readonly record struct LedgerBatchStatistics(long Batches, long Operations, int LargestBatch)
{
    /// <summary>Operations per batch, on average.</summary>
    public double AverageBatch => Batches == 0 ? 0 : (double)Operations / Batches;
}
