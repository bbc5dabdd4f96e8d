namespace AgentGuard.Http.Tests.Session;

public sealed class BudgetSummaryTests
{
    [Fact]
    public void ToString_IsOneLineAPersonCanRead_WithTheSpendOfEachModel()
    {
        var summary = new BudgetSummary("default", 5m, 0.42m, 0.01m, 4.57m, 8.4m, 12, 1,
            new Dictionary<string, decimal> { ["gpt-4o"] = 0.02m, ["gpt-4o-mini"] = 0.4m });

        Assert.Equal(
            "Budget 'default': $0.42 of $5 spent (8.4%), $0.01 reserved, $4.57 remaining; 12 calls, 1 refused; gpt-4o-mini $0.4, gpt-4o $0.02",
            summary.ToString());
    }

    [Fact]
    public void ToString_WithoutSpend_SaysSo()
    {
        var summary = new BudgetSummary("agents", 1m, 0m, 0m, 1m, 0m, 1, 0, new Dictionary<string, decimal>());

        Assert.Equal("Budget 'agents': $0 of $1 spent (0%), $0 reserved, $1 remaining; 1 call, 0 refused; no spend yet", summary.ToString());
    }
}
