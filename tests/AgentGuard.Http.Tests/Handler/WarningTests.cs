using System.Collections.Concurrent;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Tests.TestSupport;

namespace AgentGuard.Http.Tests.Handler;

/// <summary>Warnings fire after settlement, once per threshold until a reset, in ascending order.</summary>
public sealed class WarningTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OneSettlementCrossingSeveralThresholds_RaisesThemOnceEach_InAscendingOrder()
    {
        var warnings = new ConcurrentQueue<BudgetWarning>();
        // A worst-case gpt-4o call with max_tokens 1000 bills about $0.01: a third of this budget... and more.
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.0105m, configure: o => o.OnWarning = warnings.Enqueue,
            behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase });

        await Post(h, "gpt-4o", maxTokens: 1000);

        Assert.Equal([30m, 80m, 95m], warnings.Select(w => w.Threshold));
        var last = warnings.Last();
        Assert.Equal("test", last.BudgetName);
        Assert.Equal(h.Session.GetTotalSpent(), last.Spent);
        Assert.Equal(0.0105m, last.Budget);
        Assert.Equal(h.Session.GetRemainingBudget(), last.Remaining);
    }

    [Fact]
    public async Task Thresholds_FireOnceUntilReset_ThenAgain()
    {
        var warnings = new ConcurrentQueue<BudgetWarning>();
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.0001m, configure: o =>
        {
            o.WarningThresholds = [1m];
            o.OnWarning = warnings.Enqueue;
        });

        await Post(h, "gpt-4o-mini", maxTokens: 5);
        await Post(h, "gpt-4o-mini", maxTokens: 5);
        Assert.Single(warnings);

        h.Session.Reset();
        await Post(h, "gpt-4o-mini", maxTokens: 5);

        Assert.Equal(2, warnings.Count);
    }

    [Fact]
    public async Task WarningCallbackThatThrows_IsLogged_AndChangesNeitherTheCallNorTheAccounting()
    {
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.0001m, configure: o =>
        {
            o.WarningThresholds = [1m];
            o.OnWarning = _ => throw new InvalidOperationException("callback bug");
        });

        var response = await Post(h, "gpt-4o-mini", maxTokens: 5);

        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Contains(h.Errors, r => r.Id.Name == "CallbackFailed");
    }

    [Fact]
    public async Task Warnings_FireFromInsideAStreamRead()
    {
        var warnings = new ConcurrentQueue<BudgetWarning>();
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.0001m, configure: o =>
        {
            o.WarningThresholds = [1m];
            o.OnWarning = warnings.Enqueue;
        });

        var response = await Post(h, "gpt-4o-mini", maxTokens: 5, stream: true);

        Assert.True(response.IsSuccessStatusCode);
        Assert.Single(warnings);
    }

    private static async Task<HttpResponseMessage> Post(GuardHarness h, string model, int maxTokens, bool stream = false)
    {
        var response = await h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative),
            ChatBodies.Json(ChatBodies.Simple(model, maxTokens: maxTokens, stream: stream, includeUsage: stream ? true : null)), Ct);
        _ = await response.Content.ReadAsStringAsync(Ct);
        return response;
    }
}
