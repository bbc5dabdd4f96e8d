using System.Globalization;
using AgentGuard.Http;

namespace AgentGuard.Demo;

/// <summary>One line per event, for logs and CI (no cursor movement, no colors).</summary>
internal sealed class PlainView(DemoState state) : IDemoView
{
    public Task ShowAsync(Func<Task> agents) => agents();

    public void Called(int agent, int turn, int outputTokens) =>
        Line($"agent {agent} · turn {turn,3} · {outputTokens,4} tokens out · spent ${state.Spend.Spent:0.000000} of ${state.BudgetUsd}");

    public void Warning(BudgetWarning warning) =>
        Line($"  ⚠ {warning.Threshold}% of the budget used: ${warning.Spent:0.0000} spent, ${warning.Remaining:0.0000} left");

    public void Stopped(int agent, int turns, string reason) =>
        Line($"agent {agent} · {reason} after {turns} turns");

    private static void Line(FormattableString text) => Console.WriteLine(text.ToString(CultureInfo.InvariantCulture));
}
