using AgentGuard.Http.Ledgers.Benchmarks.Servers;
using AgentGuard.Http.Postgres;
using BenchmarkDotNet.Attributes;

namespace AgentGuard.Http.Ledgers.Benchmarks;

/// <summary>
/// Reserve+commit pairs on <see cref="PostgresBudgetLedger"/> against a private PostgreSQL on loopback with
/// <c>fsync=on</c> and <c>synchronous_commit=on</c> (or the server <c>AGENTGUARD_BENCH_POSTGRES</c> names). Each case has
/// a schema of its own.
/// </summary>
[BenchmarkCategory("Ledger", "Postgres")]
public class PostgresLedgerBenchmarks : LedgerBenchmark
{
    public const int PairsPerInvoke = 256;

    public PostgresLedgerBenchmarks()
        : base(PairsPerInvoke)
    {
    }

    [Benchmark(OperationsPerInvoke = PairsPerInvoke)]
    public void ReserveCommit() => RunPairs();

    [Benchmark(OperationsPerInvoke = PairsPerInvoke)]
    public Task ReserveCommitAsync() => RunPairsAsync();

    /// <summary>A ledger with a schema of its own on the shared server.</summary>
    public static PostgresBudgetLedger Create(string? connectionString = null) => new(new PostgresLedgerOptions
    {
        ConnectionString = connectionString ?? PostgresServer.Shared.ConnectionString,
        Schema = "bench_" + Guid.NewGuid().ToString("N")[..8],
    });

    protected override IBudgetLedger CreateLedger() => Create();

    protected override void DisposeLedger(IBudgetLedger ledger) => ((PostgresBudgetLedger)ledger).DisposeAsync().AsTask().GetAwaiter().GetResult();
}
