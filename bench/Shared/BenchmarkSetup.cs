using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace AgentGuard.Benchmarks.Shared;

/// <summary>
/// What the configuration of every benchmark project has in common (this file is linked into each of them): the
/// memory diagnoser, the median and the project's own columns, no joined summary, and (unless <c>--job</c> names
/// another) the project's short job, run in this process and named <c>Short-InProcess</c>.
/// </summary>
public static class BenchmarkSetup
{
    public static ManualConfig Create(string[] args, Job shortJob, params IColumn[] columns)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(shortJob);
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn([StatisticColumn.Median, .. columns])
            .WithOption(ConfigOptions.JoinSummary, false);
        if (!HasOption(args, "--job", "-j"))
        {
            config.AddJob(shortJob
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithId("Short-InProcess"));
        }

        return config;
    }

    /// <summary>Whether the command line has the option by either of its names.</summary>
    public static bool HasOption(string[] args, string name, string alias) => args.Any(a => a == name || a == alias);
}

/// <summary>
/// A summary column of ours: always shown, dimensionless, never a default; a column says its name, where it stands,
/// whether it is numeric, its legend and its value.
/// </summary>
public abstract class SummaryColumn(string columnName, ColumnCategory category, int priorityInCategory, bool isNumeric, string legend) : IColumn
{
    public string Id => GetType().Name;

    public string ColumnName => columnName;

    public bool AlwaysShow => true;

    public ColumnCategory Category => category;

    public int PriorityInCategory => priorityInCategory;

    public bool IsNumeric => isNumeric;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => legend;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public abstract string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style);

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public virtual bool IsAvailable(Summary summary) => true;
}
