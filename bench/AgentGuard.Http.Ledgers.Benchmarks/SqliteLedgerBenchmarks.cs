using AgentGuard.Http.Ledgers.Benchmarks.Servers;
using AgentGuard.Http.Sqlite;
using BenchmarkDotNet.Attributes;

namespace AgentGuard.Http.Ledgers.Benchmarks;

/// <summary>
/// Reserve+commit pairs on <see cref="SqliteBudgetLedger"/> in a new file per case (WAL, <c>BEGIN IMMEDIATE</c>), with
/// <c>synchronous=FULL</c> (the default, durable) and <c>NORMAL</c> for comparison. The file lives under
/// <c>AGENTGUARD_BENCH_DIR</c> when set, else the temporary directory: it must be on the disk being measured (not a tmpfs).
/// </summary>
[BenchmarkCategory("Ledger", "Sqlite")]
public class SqliteLedgerBenchmarks : LedgerBenchmark
{
    public const int PairsPerInvoke = 256;

    private string? _directory;

    public SqliteLedgerBenchmarks()
        : base(PairsPerInvoke)
    {
    }

    [Params(SqliteSynchronousMode.Full, SqliteSynchronousMode.Normal)]
    public SqliteSynchronousMode Synchronous { get; set; }

    [Benchmark(OperationsPerInvoke = PairsPerInvoke)]
    public void ReserveCommit() => RunPairs();

    [Benchmark(OperationsPerInvoke = PairsPerInvoke)]
    public Task ReserveCommitAsync() => RunPairsAsync();

    /// <summary>A ledger on a new file in a new directory (under <c>AGENTGUARD_BENCH_DIR</c> or the temporary directory).</summary>
    public static SqliteBudgetLedger Create(SqliteSynchronousMode synchronous, out string directory)
    {
        directory = Tools.NewDirectory("agentguard-bench-sqlite-");
        return new SqliteBudgetLedger(new SqliteLedgerOptions { Path = Path.Combine(directory, "budget.db"), Synchronous = synchronous });
    }

    protected override IBudgetLedger CreateLedger() => Create(Synchronous, out _directory);

    protected override void DisposeLedger(IBudgetLedger ledger)
    {
        ((SqliteBudgetLedger)ledger).Dispose();
        if (_directory is not null)
        {
            Tools.TryDelete(_directory);
        }
    }
}
