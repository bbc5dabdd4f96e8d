using System.Globalization;
using Spectre.Console;

namespace AgentGuard.Cli.Reports;

/// <summary>The report in the terminal: totals, then one bar chart per dimension.</summary>
internal static class ReportView
{
    private static readonly Color[] s_palette = [Color.SteelBlue1, Color.MediumPurple, Color.DarkOrange, Color.SeaGreen2, Color.HotPink, Color.Gold1, Color.Turquoise2, Color.Salmon1];

    public static void Write(SpendReport report)
    {
        AnsiConsole.MarkupLine($"[bold]Spend report[/] · {Markup.Escape(report.Ledger)}{(report.Budget is null ? "" : $" · budget {Markup.Escape(report.Budget)}")}");
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(Period(report))} · {report.Calls} calls · {report.Entries} log entries[/]");
        AnsiConsole.MarkupLine($"Total spent: [bold]{Money.Usd(report.TotalMicros)}[/]");
        if (report.Truncated)
        {
            AnsiConsole.MarkupLine("[yellow]Only the newest entries were read: narrow the period with --since/--until.[/]");
        }

        if (report.Entries == 0)
        {
            AnsiConsole.MarkupLine("[grey]The spend log has no entries for this period.[/]");
            return;
        }

        foreach (var timeline in report.Timelines.Where(t => t.LimitMicros is > 0))
        {
            long spent = timeline.Points.Count == 0 ? 0 : timeline.Points[^1].CumulativeMicros;
            AnsiConsole.MarkupLine($"  {Markup.Escape(timeline.Budget)}: {Money.Usd(spent)} of {Money.Usd(timeline.LimitMicros!.Value)} ({Markup.Escape(timeline.LimitPool!)}) " +
                Output.UtilizationBar.Markup(Output.UtilizationBar.Percent(spent, timeline.LimitMicros.Value)));
        }

        Chart("By budget", report.ByBudget);
        Chart("By scope", report.ByScope);
        Chart("By provider", report.ByProvider);
        Chart("By model", report.ByModel);
        Chart("By day (UTC)", report.ByDay);
    }

    public static string Period(SpendReport report) =>
        (report.Since, report.Until) switch
        {
            (null, null) => "all of the log",
            ({ } since, null) => $"since {Format(since)}",
            (null, { } until) => $"before {Format(until)}",
            ({ } since, { } until) => $"{Format(since)} to {Format(until)}",
        };

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static void Chart(string title, IReadOnlyList<SpendGroup> groups)
    {
        AnsiConsole.WriteLine();
        var chart = new BarChart()
            .Label($"[bold]{title}[/]")
            .LeftAlignLabel()
            .Width(Math.Min(100, AnsiConsole.Profile.Width))
            .UseValueFormatter(value => Money.Usd((long)value));
        int i = 0;
        foreach (var group in groups)
        {
            // Bars cannot be negative; a group of refunds only is shown at zero.
            chart.AddItem(Markup.Escape(group.Key), Math.Max(0, group.SpentMicros), s_palette[i++ % s_palette.Length]);
        }

        AnsiConsole.Write(chart);
    }
}
