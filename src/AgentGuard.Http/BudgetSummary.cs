namespace AgentGuard.Http;

/// <summary>A budget's state and this process's call counts since the last reset.</summary>
/// <param name="BudgetName">The budget.</param>
/// <param name="Budget">The limit, in USD.</param>
/// <param name="Spent">What settled calls cost, in USD.</param>
/// <param name="Reserved">What calls in flight hold, in USD.</param>
/// <param name="Remaining">Budget minus spent minus reserved, in USD, never below zero.</param>
/// <param name="UtilizationPercent">Spent as a percentage of the budget.</param>
/// <param name="Calls">Calls that were admitted and sent.</param>
/// <param name="RefusedCalls">Calls refused because the budget could not cover them.</param>
/// <param name="SpendByModel">Settled spend per model as the requests named it, in USD.</param>
public sealed record BudgetSummary(
    string BudgetName,
    decimal Budget,
    decimal Spent,
    decimal Reserved,
    decimal Remaining,
    decimal UtilizationPercent,
    long Calls,
    long RefusedCalls,
    IReadOnlyDictionary<string, decimal> SpendByModel)
{
    /// <summary>
    /// One line a person can read (<c>Budget 'default': $0.42 of $5 spent (8.4%), $0.01 reserved, $4.57 remaining; 12 calls,
    /// 1 refused; gpt-4o-mini $0.40, gpt-4o $0.02</c>), as <c>Console.WriteLine(summary)</c> prints it.
    /// </summary>
    public override string ToString()
    {
        var ci = System.Globalization.CultureInfo.InvariantCulture;
        string models = SpendByModel.Count == 0 ? "no spend yet"
            : string.Join(", ", SpendByModel.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => string.Create(ci, $"{p.Key} ${p.Value:0.######}")));
        return string.Create(ci,
            $"Budget '{BudgetName}': ${Spent:0.######} of ${Budget:0.######} spent ({UtilizationPercent:0.##}%), ${Reserved:0.######} reserved, ${Remaining:0.######} remaining; " +
            $"{Calls} {(Calls == 1 ? "call" : "calls")}, {RefusedCalls} refused; {models}");
    }
}
