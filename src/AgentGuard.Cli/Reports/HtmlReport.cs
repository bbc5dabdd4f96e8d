using System.Globalization;
using System.Net;
using System.Text;

namespace AgentGuard.Cli.Reports;

/// <summary>
/// The report as one self-contained HTML page: inline CSS and SVG, no script, and a content security policy that forbids
/// every network request, so the page shows the same offline, attached to a ticket, or years later.
/// </summary>
internal static class HtmlReport
{
    private const string Style = """
        :root { color-scheme: light dark; --fg: #1d2430; --muted: #667085; --grid: #d0d5dd; --line: #2f6fde; --limit: #d92d20; }
        @media (prefers-color-scheme: dark) { :root { --fg: #e4e7ec; --muted: #98a2b3; --grid: #344054; --line: #6ea8ff; --limit: #f97066; } }
        body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); max-width: 820px; margin: 2rem auto; padding: 0 1rem; }
        h1 { margin-bottom: .2rem; } h2 { margin-top: 2.2rem; font-size: 1.15rem; } h3 { font-size: 1rem; margin-bottom: .3rem; }
        .meta { color: var(--muted); margin-top: 0; } .total strong { font-size: 1.4rem; }
        svg { max-width: 100%; height: auto; display: block; } svg text { fill: var(--fg); font-size: 12px; } svg .tick { fill: var(--muted); }
        .grid { stroke: var(--grid); stroke-width: 1; } .cumulative { fill: none; stroke: var(--line); stroke-width: 2; }
        .point { fill: var(--line); } .limit { stroke: var(--limit); stroke-width: 1.5; stroke-dasharray: 6 4; } svg .limit-label { fill: var(--limit); }
        .bar.c0 { fill: #2f6fde; } .bar.c1 { fill: #7a5af8; } .bar.c2 { fill: #f79009; } .bar.c3 { fill: #12b76a; }
        .bar.c4 { fill: #ee46bc; } .bar.c5 { fill: #eaaa08; } .bar.c6 { fill: #06aed4; } .bar.c7 { fill: #f97066; }
        table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid var(--grid); }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; } footer { color: var(--muted); margin-top: 2.5rem; font-size: .85rem; }
        """;

    public static string Render(SpendReport report)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>AgentGuard spend report</title>\n<style>\n").Append(Style).Append("\n</style>\n</head>\n<body>\n");

        html.Append("<header>\n<h1>Spend report</h1>\n")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"meta\">{E(report.Ledger)}{(report.Budget is null ? "" : " · budget " + E(report.Budget))} · {E(ReportView.Period(report))} · generated {E(report.GeneratedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture))}</p>\n")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"total\">Total spent <strong id=\"total\" data-usd=\"{report.TotalUsd.ToString(CultureInfo.InvariantCulture)}\" data-micros=\"{report.TotalMicros}\">{E(Money.Usd(report.TotalMicros))}</strong> in {report.Calls} calls</p>\n");
        if (report.Truncated)
        {
            html.Append("<p class=\"meta\">Only the newest entries of the spend log were read: narrow the period for a complete report.</p>\n");
        }

        html.Append("</header>\n");
        if (report.Entries == 0)
        {
            html.Append("<p>The spend log has no entries for this period.</p>\n");
        }
        else
        {
            html.Append("<section id=\"cumulative\">\n<h2>Cumulative spend against the budget</h2>\n");
            foreach (var timeline in report.Timelines)
            {
                html.Append(CultureInfo.InvariantCulture, $"<figure class=\"timeline\" data-budget=\"{E(timeline.Budget)}\">\n<h3>{E(timeline.Budget)}</h3>\n")
                    .Append(Svg.Cumulative(timeline)).Append("\n</figure>\n");
            }

            html.Append("</section>\n");
            Section(html, "by-provider", "Spend per provider", report.ByProvider);
            Section(html, "by-model", "Spend per model", report.ByModel);
            Section(html, "by-scope", "Spend per scope", report.ByScope);
            Section(html, "by-day", "Spend per day (UTC)", report.ByDay);
            Table(html, report.ByBudget);
        }

        html.Append("<footer>AgentGuard.Http · amounts in USD from whole micro-dollars, as the ledger keeps them</footer>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void Section(StringBuilder html, string id, string title, IReadOnlyList<SpendGroup> groups) =>
        html.Append(CultureInfo.InvariantCulture, $"<section id=\"{id}\">\n<h2>{E(title)}</h2>\n").Append(Svg.Bars(groups, title)).Append("\n</section>\n");

    private static void Table(StringBuilder html, IReadOnlyList<SpendGroup> budgets)
    {
        html.Append("<section id=\"by-budget\">\n<h2>Spend per budget</h2>\n<table>\n<thead><tr><th>Budget</th><th class=\"num\">Calls</th><th class=\"num\">Spent</th></tr></thead>\n<tbody>\n");
        foreach (var budget in budgets)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(budget.Key)}</td><td class=\"num\">{budget.Calls}</td><td class=\"num\">{E(Money.Usd(budget.SpentMicros))}</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
