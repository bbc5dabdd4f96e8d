using AgentGuard.Cli.Output;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace AgentGuard.Cli.Status;

/// <summary>The status table, for the terminal.</summary>
internal static class StatusView
{
    public static IRenderable Render(StatusSnapshot snapshot)
    {
        if (snapshot.Pools.Count == 0)
        {
            return new Markup($"[grey]{Markup.Escape(snapshot.Ledger)} holds no budgets yet.[/]");
        }

        var table = new Table()
            .Border(TableBorder.Rounded)
            .Title($"[bold]{Markup.Escape(snapshot.Ledger)}[/]")
            .Caption($"[grey]{snapshot.Time:yyyy-MM-dd HH:mm:ss} UTC · {snapshot.Pools.Count} {(snapshot.Pools.Count == 1 ? "pool" : "pools")}[/]")
            .AddColumn("Pool")
            .AddColumn(new TableColumn("Limit").RightAligned())
            .AddColumn(new TableColumn("Spent").RightAligned())
            .AddColumn(new TableColumn("Reserved").RightAligned())
            .AddColumn(new TableColumn("Remaining").RightAligned())
            .AddColumn("Used")
            .AddColumn(new TableColumn("Refused").RightAligned());
        foreach (var pool in snapshot.Pools)
        {
            string remaining = pool.Exhausted ? $"[red]{Money.Usd(pool.RemainingMicros)}[/]" : Money.Usd(pool.RemainingMicros);
            table.AddRow(
                new Markup(pool.Scope is null ? $"[bold]{Markup.Escape(pool.Key)}[/]" : Markup.Escape(pool.Key)),
                new Text(Money.Usd(pool.LimitMicros)),
                new Text(Money.Usd(pool.SpentMicros)),
                new Text(Money.Usd(pool.ReservedMicros)),
                new Markup(remaining),
                new Markup(UtilizationBar.Markup(pool.UtilizationPercent)),
                new Text(pool.RefusedCalls.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        return table;
    }
}
