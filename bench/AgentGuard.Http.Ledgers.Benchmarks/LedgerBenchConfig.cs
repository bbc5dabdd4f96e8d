using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
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
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(StatisticColumn.Median, new PairsPerSecondColumn())
            .WithOption(ConfigOptions.JoinSummary, false)
            .WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
        if (!args.Any(a => a is "--artifacts" or "-a"))
        {
            // Apart from the other benchmark project's results.
            config.WithArtifactsPath(Path.Combine(Directory.GetCurrentDirectory(), "BenchmarkDotNet.Artifacts", "ledgers"));
        }

        if (!args.Any(a => a is "--job" or "-j"))
        {
            // Two warmups and six measured iterations of about 300 ms (a slow store's invocation may take longer: then
            // one invocation per iteration), in this process: about 5 to 10 seconds per case.
            config.AddJob(Job.Default
                .WithWarmupCount(2)
                .WithIterationCount(6)
                .WithIterationTime(TimeInterval.FromMilliseconds(300))
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithId("Short-InProcess"));
        }

        return config;
    }
}

/// <summary>Reserve+commit pairs per second of the median time (one reported operation is one pair).</summary>
public sealed class PairsPerSecondColumn : IColumn
{
    public string Id => nameof(PairsPerSecondColumn);

    public string ColumnName => "Pairs/s (median)";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Reserve+commit pairs per second: 1 s divided by the median time of one pair (all callers together).";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
        summary[benchmarkCase]?.ResultStatistics is { Median: > 0 } statistics
            ? (1e9 / statistics.Median).ToString("#,0", CultureInfo.InvariantCulture)
            : "-";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;
}
