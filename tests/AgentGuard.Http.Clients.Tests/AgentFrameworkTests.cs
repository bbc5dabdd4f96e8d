using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Clients.Tests.TestSupport;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentGuard.Http.Clients.Tests;

/// <summary>
/// A Microsoft Agent Framework agent (<see cref="ChatClientAgent"/>, Microsoft.Agents.AI) over Microsoft.Extensions.AI's
/// <see cref="IChatClient"/> on the guarded HttpClient, as the README's quick start builds it: every model call of the
/// agent's runs is reserved and settled, and a refusal reaches the caller of <c>RunAsync</c>.
/// </summary>
public sealed class AgentFrameworkTests
{
    private static CancellationToken Ct => Guarded.Ct;

    private static ChatClientAgent Agent(Guarded g, string model = "gpt-4o-mini") => new(
        new OpenAI.Chat.ChatClient(model, Guarded.Credential, g.OpenAIOptions()).AsIChatClient(),
        instructions: "You plan trips. Answer in three short bullet points.",
        name: "planner");

    [Fact]
    public async Task RunAsync_AndRunStreamingAsync_AreGuarded_AndSettleWhatTheServerBilled()
    {
        await using var g = await Guarded.StartAsync();
        var agent = Agent(g);
        var session = await agent.CreateSessionAsync(Ct);

        AgentResponse plan = await agent.RunAsync("A weekend in Lisbon?", session, cancellationToken: Ct);
        var updates = new List<AgentResponseUpdate>();
        await foreach (var update in agent.RunStreamingAsync("And in Porto?", session, cancellationToken: Ct))
        {
            updates.Add(update);
        }

        Assert.Equal(FakeBehavior.DefaultContentText, plan.Text);
        Assert.Equal(2, g.Meter.Calls.Count);
        Assert.Equal(g.Meter.Calls[0].CompletionTokens, plan.Usage?.OutputTokenCount);
        Assert.Contains("You plan trips.", g.Meter.RequestBodies[0], StringComparison.Ordinal);
        Assert.NotEmpty(updates);
        Assert.Equal(2, g.Session.GetSummary().Calls);
        Assert.Equal(g.Meter.TotalBilledMicros, g.SpentMicros);
        Assert.Equal(0, g.ReservedMicros);
    }

    [Fact]
    public async Task ARefusal_ReachesTheCallerOfRunAsync_AsBudgetExceededException_AndNothingIsSent()
    {
        // gpt-4o's worst case without a cap (16,384 output tokens) is about 0.16 USD: more than the budget (and fit-to-budget is off).
        await using var g = await Guarded.StartAsync(budgetUsd: 0.05m, configure: o => o.ClampOutputToBudget = false);

        var refusal = await Assert.ThrowsAsync<BudgetExceededException>(() => Agent(g, "gpt-4o").RunAsync("A weekend in Lisbon?", cancellationToken: Ct));

        Assert.Equal("gpt-4o", refusal.Model);
        Assert.NotNull(refusal.Advice);
        Assert.Equal(0, g.Meter.TotalRequests);
        Assert.Equal(1, g.Session.GetSummary().RefusedCalls);
    }

    [Fact]
    public async Task OnASmallBudget_FitToBudget_LowersTheAgentsOutputCap_AndTheServerNeverBillsMoreThanTheBudget()
    {
        const decimal budget = 0.01m;
        await using var g = await Guarded.StartAsync(budgetUsd: budget, behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase });
        var agent = Agent(g, "gpt-4o");   // its worst case without a cap, about 0.16 USD, is larger than the budget
        int runs = 0;

        try
        {
            for (; runs < 50; runs++)
            {
                await agent.RunAsync($"Plan {runs}", cancellationToken: Ct);
                Assert.True(g.Meter.TotalBilledUsd <= budget, $"the server billed {g.Meter.TotalBilledUsd} USD of a {budget} USD budget");
            }
        }
        catch (BudgetExceededException)
        {
        }

        Assert.True(runs >= 1, "fit-to-budget let no run through");
        Assert.Contains("max_completion_tokens", g.Meter.RequestBodies[0], StringComparison.Ordinal);
        Assert.True(g.Meter.TotalBilledUsd <= budget);
        Assert.Equal(g.Meter.TotalBilledMicros, g.SpentMicros);
    }
}
