using BenchmarkDotNet.Attributes;

namespace AgentGuard.Http.Ledgers.Benchmarks;

/// <summary>Reserve+commit pairs on <see cref="InMemoryBudgetLedger"/>, the default ledger (one lock, held for the arithmetic).</summary>
[BenchmarkCategory("Ledger", "InMemory")]
public class InMemoryLedgerBenchmarks : LedgerBenchmark
{
    /// <summary>About 50 ms of pairs at the target of a million per second: long enough to hide the callers' start.</summary>
    public const int PairsPerInvoke = 65_536;

    public InMemoryLedgerBenchmarks()
        : base(PairsPerInvoke)
    {
    }

    [Benchmark(OperationsPerInvoke = PairsPerInvoke)]
    public void ReserveCommit() => RunPairs();

    [Benchmark(OperationsPerInvoke = PairsPerInvoke)]
    public Task ReserveCommitAsync() => RunPairsAsync();

    protected override IBudgetLedger CreateLedger() => new InMemoryBudgetLedger();

    protected override void DisposeLedger(IBudgetLedger ledger)
    {
    }
}
