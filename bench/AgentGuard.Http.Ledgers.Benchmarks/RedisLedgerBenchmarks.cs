using AgentGuard.Http.Ledgers.Benchmarks.Servers;
using AgentGuard.Http.Redis;
using BenchmarkDotNet.Attributes;

namespace AgentGuard.Http.Ledgers.Benchmarks;

/// <summary>
/// Reserve+commit pairs on <see cref="RedisBudgetLedger"/> against a private <c>redis-server</c> on loopback with
/// <c>appendonly yes</c> and <c>appendfsync always</c> (or the server <c>AGENTGUARD_BENCH_REDIS</c> names). Each case
/// has a key prefix and a connection of its own.
/// </summary>
[BenchmarkCategory("Ledger", "Redis")]
public class RedisLedgerBenchmarks : LedgerBenchmark
{
    public const int PairsPerInvoke = 256;

    public RedisLedgerBenchmarks()
        : base(PairsPerInvoke)
    {
    }

    [Benchmark(OperationsPerInvoke = PairsPerInvoke)]
    public void ReserveCommit() => RunPairs();

    [Benchmark(OperationsPerInvoke = PairsPerInvoke)]
    public Task ReserveCommitAsync() => RunPairsAsync();

    /// <summary>A ledger with a key prefix of its own on the shared server.</summary>
    public static RedisBudgetLedger Create() => new(new RedisLedgerOptions
    {
        Configuration = RedisServer.Shared.Configuration,
        KeyPrefix = "bench-" + Guid.NewGuid().ToString("N")[..8] + ":",
    });

    protected override IBudgetLedger CreateLedger() => Create();

    protected override void DisposeLedger(IBudgetLedger ledger) => ((RedisBudgetLedger)ledger).DisposeAsync().AsTask().GetAwaiter().GetResult();
}
