using System.Globalization;
using AgentGuard.Http;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace AgentGuard.Demo;

/// <summary>A live terminal view: the spend bar with its warning thresholds, each agent's calls, and the latest events.</summary>
internal sealed class LiveView(DemoState state, string title, IReadOnlyList<decimal> thresholds) : IDemoView
{
    private const int BarWidth = 50;
    private static readonly TimeSpan s_refresh = TimeSpan.FromMilliseconds(100);

    public async Task ShowAsync(Func<Task> agents)
    {
        await AnsiConsole.Live(Render()).AutoClear(false).StartAsync(async live =>
        {
            var run = agents();
            while (!run.IsCompleted)
            {
                await Task.WhenAny(run, Task.Delay(s_refresh));
                live.UpdateTarget(Render());
            }

            await run;
        });
    }

    public void Called(int agent, int turn, int outputTokens)
    {
        // The table shows calls as they happen; the event log keeps the moments that matter.
    }

    public void Warning(BudgetWarning warning) => state.Event(Invariant(
        $"[yellow]⚠ {warning.Threshold}% of the budget used[/]: ${warning.Spent:0.0000} spent, ${warning.Remaining:0.0000} left"));

    public void Stopped(int agent, int turns, string reason) => state.Event(Invariant(
        $"[red]⛔ agent {agent} {Markup.Escape(reason)}[/] after {turns} turns"));

    private IRenderable Render()
    {
        var (spent, reserved) = state.Spend;
        var agents = new Table().Border(TableBorder.Simple)
            .AddColumn("Agent").AddColumn(new TableColumn("Calls").RightAligned()).AddColumn(new TableColumn("Last reply").RightAligned()).AddColumn("Status");
        foreach (var agent in state.Agents)
        {
            agents.AddRow(
                $"agent {agent.Id}",
                agent.Calls.ToString(CultureInfo.InvariantCulture),
                agent.LastOutputTokens == 0 ? "" : $"{agent.LastOutputTokens} tokens",
                agent.StoppedBecause is { } reason ? $"[red]{Markup.Escape(reason)}[/]" : "[green]running[/]");
        }

        var events = state.Events;
        return new Panel(new Rows(
            new Markup(SpendBar(spent, reserved)),
            new Markup(ThresholdMarks()),
            new Text(""),
            agents,
            new Rule("[grey]events[/]").LeftJustified(),
            events.Count == 0 ? new Markup("[grey]none yet[/]") : new Rows(events.Select(e => new Markup(e)))))
            .Header($"[bold] {Markup.Escape(title)} [/]")
            .Expand();
    }

    private string SpendBar(decimal spent, decimal reserved)
    {
        decimal budget = state.BudgetUsd;
        int spentCells = Cells(spent, budget);
        int reservedCells = Math.Min(BarWidth - spentCells, Cells(spent + reserved, budget) - spentCells);
        decimal percent = budget == 0 ? 100 : 100 * spent / budget;
        string color = percent >= thresholds[^1] ? "red" : percent >= thresholds[0] ? "yellow" : "green";
        string bar = $"[{color}]{new string('█', spentCells)}[/][grey]{new string('▒', reservedCells)}{new string('░', BarWidth - spentCells - reservedCells)}[/]";
        return "Spend " + bar + Invariant($" [bold]${spent:0.000000}[/] of ${budget} ({percent:0.0}%), ${reserved:0.000000} reserved");
    }

    private string ThresholdMarks()
    {
        var marks = new char[BarWidth];
        Array.Fill(marks, ' ');
        foreach (decimal threshold in thresholds)
        {
            marks[Math.Clamp((int)(threshold / 100 * BarWidth) - 1, 0, BarWidth - 1)] = '▲';
        }

        return "[grey]      " + new string(marks) + "  warnings at " + string.Join(", ", thresholds.Select(t => t.ToString(CultureInfo.InvariantCulture) + "%")) + "[/]";
    }

    private static int Cells(decimal amount, decimal budget) =>
        budget <= 0 ? BarWidth : (int)Math.Clamp(Math.Round(amount / budget * BarWidth), 0, BarWidth);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
