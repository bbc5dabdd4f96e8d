using System.Globalization;
using AgentGuard.Benchmarks.Shared;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AgentGuard.Http.Benchmarks;

/// <summary>
/// The configuration every run uses: memory diagnoser, the added time over the raw call, throughput columns, and
/// (unless <c>--job</c> names another) a short in-process job, because this is a shared 2-core machine.
/// </summary>
public static class BenchConfig
{
    // A few iterations of half a second each, in this process: enough for medians, minutes in all.
    public static IConfig Create(string[] args) =>
        BenchmarkSetup.Create(args, Job.Default.WithWarmupCount(3).WithIterationCount(7), new AddedTimeColumn(), Throughputs.Column);
}

/// <summary>Median minus the baseline's median: the microseconds the guard adds to the raw call.</summary>
public sealed class AddedTimeColumn() : SummaryColumn(
    "Added (median)",
    ColumnCategory.Baseline,
    priorityInCategory: 1,
    isNumeric: true,
    "The median minus the baseline's median (the raw call): what the guard adds to each call.")
{
    public override string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var baseline = summary.GetBaseline(summary.GetLogicalGroupKey(benchmarkCase));
        var current = summary[benchmarkCase]?.ResultStatistics;
        var reference = baseline is null ? null : summary[baseline]?.ResultStatistics;
        if (baseline is null || current is null || reference is null)
        {
            return "-";
        }

        if (ReferenceEquals(baseline, benchmarkCase))
        {
            return "0 μs";
        }

        double addedMicroseconds = (current.Median - reference.Median) / 1_000d;
        return addedMicroseconds.ToString(Math.Abs(addedMicroseconds) >= 100 ? "+#,0;-#,0" : "+0.0;-0.0", CultureInfo.InvariantCulture) + " μs";
    }

    public override bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => c.Descriptor.Baseline);
}

/// <summary>
/// What one operation processes (tokens, bytes, calls), declared per benchmark, shown per second of median time.
/// </summary>
public static class Throughputs
{
    private static readonly Dictionary<string, Func<BenchmarkCase, (double Amount, string Unit)?>> s_sources = new(StringComparer.Ordinal);

    public static IColumn Column { get; } = new ThroughputColumn();

    /// <summary>Declares the amount each operation of <typeparamref name="T"/>'s benchmarks processes.</summary>
    public static void Declare<T>(Func<BenchmarkCase, (double Amount, string Unit)?> amountPerOperation)
    {
        lock (s_sources)
        {
            s_sources[typeof(T).FullName!] = amountPerOperation;
        }
    }

    public static T Param<T>(BenchmarkCase benchmarkCase, string name) =>
        (T)benchmarkCase.Parameters[name];

    private sealed class ThroughputColumn() : SummaryColumn(
        "Throughput (median)",
        ColumnCategory.Custom,
        priorityInCategory: 0,
        isNumeric: false,
        "What one operation processes, per second of its median time.")
    {
        public override string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            Func<BenchmarkCase, (double Amount, string Unit)?>? source;
            lock (s_sources)
            {
                s_sources.TryGetValue(benchmarkCase.Descriptor.Type.FullName!, out source);
            }

            var statistics = summary[benchmarkCase]?.ResultStatistics;
            if (source?.Invoke(benchmarkCase) is not { } amount || statistics is null || statistics.Median <= 0)
            {
                return "-";
            }

            double perSecond = amount.Amount / (statistics.Median / 1e9);
            return Format(perSecond) + " " + amount.Unit + "/s";
        }

        public override bool IsAvailable(Summary summary)
        {
            lock (s_sources)
            {
                return summary.BenchmarksCases.Any(c => s_sources.ContainsKey(c.Descriptor.Type.FullName!));
            }
        }

        private static string Format(double value) => value switch
        {
            >= 1e9 => (value / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + " G",
            >= 1e6 => (value / 1e6).ToString("0.00", CultureInfo.InvariantCulture) + " M",
            >= 1e3 => (value / 1e3).ToString("0.00", CultureInfo.InvariantCulture) + " k",
            _ => value.ToString("0.0", CultureInfo.InvariantCulture) + " ",
        };
    }
}
