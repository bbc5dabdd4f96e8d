using System.Globalization;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http;

namespace AgentGuard.Demo;

/// <summary>The session summary, as plain lines in every mode (CI reads the last one).</summary>
internal static class Summary
{
    public static void Write(BudgetSummary summary, FakeOpenAIServer? fake, string? sqlitePath)
    {
        Console.WriteLine();
        Line($"Budget ${summary.Budget}: spent ${summary.Spent:0.000000} ({summary.UtilizationPercent:0.0}%), {summary.Calls} calls sent, {summary.RefusedCalls} refused, ${summary.Remaining:0.000000} left.");
        foreach (var (model, spent) in summary.SpendByModel)
        {
            Line($"  {model}: ${spent:0.000000}");
        }

        if (sqlitePath is not null)
        {
            Line($"The budget lives in {sqlitePath}: every demo run on that file draws from it (see it with: agentguard status --ledger sqlite:{sqlitePath}).");
        }

        if (fake is not null)
        {
            Line($"The fake server billed ${fake.Meter.TotalBilledUsd:0.000000} for {fake.Meter.BilledRequests} calls: never more than the budget.");
        }
        else
        {
            Line($"The guard settled ${summary.Spent:0.000000} from OpenAI's usage reports: never more than the budget.");
        }
    }

    private static void Line(FormattableString text) => Console.WriteLine(text.ToString(CultureInfo.InvariantCulture));
}
