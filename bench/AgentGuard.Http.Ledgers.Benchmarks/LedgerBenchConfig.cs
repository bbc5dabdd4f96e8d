using System.Globalization;
using AgentGuard.Benchmarks.Shared;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Perfolizer.Horology;

namespace AgentGuard.Http.Ledgers.Benchmarks;

/// <summary>
/// The configuration every run uses: pairs per second (of the median), allocations, and (unless <c>--job</c> names
/// another) a short in-process job, because this is a shared 2-core machine and the store benchmarks take a fraction
/// of a second per invocation. With <c>--job</c>, add <c>--inProcess</c> to keep the benchmarks in this process.
/// </summary>
public static class LedgerBenchConfig
{
    public static IConfig Create(string[] args)
    {
        // Two warmups and six measured iterations of about 300 ms (a slow store's invocation may take longer: then
        // one invocation per iteration), in this process: about 5 to 10 seconds per case.
        var config = BenchmarkSetup.Create(
                args,
                Job.Default.WithWarmupCount(2).WithIterationCount(6).WithIterationTime(TimeInterval.FromMilliseconds(300)),
                new PairsPerSecondColumn())
            .WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
        if (!BenchmarkSetup.HasOption(args, "--artifacts", "-a"))
        {
            // Apart from the other benchmark project's results.
            config.WithArtifactsPath(Path.Combine(Directory.GetCurrentDirectory(), "BenchmarkDotNet.Artifacts", "ledgers"));
        }

        return config;
    }
}

/// <summary>Reserve+commit pairs per second of the median time (one reported operation is one pair).</summary>
public sealed class PairsPerSecondColumn() : SummaryColumn(
    "Pairs/s (median)",
    ColumnCategory.Custom,
    priorityInCategory: 0,
    isNumeric: true,
    "Reserve+commit pairs per second: 1 s divided by the median time of one pair (all callers together).")
{
    public override string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
        summary[benchmarkCase]?.ResultStatistics is { Median: > 0 } statistics
            ? (1e9 / statistics.Median).ToString("#,0", CultureInfo.InvariantCulture)
            : "-";
}
