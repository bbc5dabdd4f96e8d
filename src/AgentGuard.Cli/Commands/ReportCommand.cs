using System.CommandLine;
using AgentGuard.Cli.Ledgers;
using AgentGuard.Cli.Output;
using AgentGuard.Cli.Reports;
using AgentGuard.Cli.Status;
using AgentGuard.Http;

namespace AgentGuard.Cli.Commands;

/// <summary><c>agentguard report</c>: spend by budget, scope, model and day from the spend log; terminal charts, CSV, JSON or an HTML page.</summary>
internal static class ReportCommand
{
    // The stores' default retention: a report reads at most what a ledger keeps by default.
    private const int MaxEntries = 100_000;

    public static Command Create()
    {
        var ledger = CommonOptions.Ledger();
        var json = CommonOptions.Json();
        var budget = CommonOptions.Budget("Only this budget's spend.");
        var since = new Option<string?>("--since") { Description = "From this time: 2026-11-01, 2026-11-01T12:00:00Z, or 7d / 12h / 30m back from now.", HelpName = "TIME" };
        var until = new Option<string?>("--until") { Description = "Before this time (a date includes that day).", HelpName = "TIME" };
        var csv = new Option<bool>("--csv") { Description = "Write the report as CSV to standard output (dimension,key,calls,spent_usd,spent_micros)." };
        var html = new Option<string?>("--html") { Description = "Also write a self-contained HTML page with charts (inline SVG, no network) to this file.", HelpName = "FILE" };
        var command = new Command("report", "Spend by budget, scope, model and day from the ledger's spend log, with bar charts.")
        {
            ledger, budget, since, until, csv, html, json,
        };
        command.Validators.Add(r =>
        {
            if (r.GetValue(csv) && r.GetValue(json))
            {
                r.AddError("--csv and --json cannot be used together.");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            var now = DateTimeOffset.UtcNow;
            var from = ReportPeriod.Parse(parse.GetValue(since), "--since", now, isEnd: false);
            var to = ReportPeriod.Parse(parse.GetValue(until), "--until", now, isEnd: true);
            if (from is { } f && to is { } t && f >= t)
            {
                throw new CliException("--since must be before --until.");
            }

            string? htmlFile = parse.GetValue(html);
            string? htmlPath = htmlFile is null ? null : Path.GetFullPath(htmlFile);
            if (htmlPath is not null && !Directory.Exists(Path.GetDirectoryName(htmlPath)))
            {
                throw new CliException($"Cannot write the HTML report to {htmlPath}: its directory does not exist.");
            }

            await using var opened = await OpenLedger.OpenAsync(parse.GetValue(ledger), ct).ConfigureAwait(false);
            string? name = parse.GetValue(budget);
            var pools = await BudgetPools.ListAsync(opened, name, ct).ConfigureAwait(false);
            var entries = await opened.Ledger.ReadSpendLogAsync(new SpendLogQuery(name, from, to, MaxEntries), ct).ConfigureAwait(false);
            bool truncated = entries.Count >= MaxEntries;
            if (name is not null)
            {
                entries = [.. entries.Where(e => e.Pools.Count > 0 && BudgetPoolKeys.Root(e.Pools[0]) == name)];
            }

            var report = SpendReport.Build(opened.Description, name, from, to, now, entries, pools, truncated);
            if (htmlPath is not null)
            {
                await File.WriteAllTextAsync(htmlPath, HtmlReport.Render(report), ct).ConfigureAwait(false);
            }

            if (parse.GetValue(json))
            {
                CliJson.Write(report);
            }
            else if (parse.GetValue(csv))
            {
                Console.Out.Write(ReportCsv.Render(report));
            }
            else
            {
                ReportView.Write(report);
                if (htmlPath is not null)
                {
                    Spectre.Console.AnsiConsole.MarkupLine($"\nHTML report: [link]{Spectre.Console.Markup.Escape(htmlPath)}[/]");
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
