using AgentGuard.Http.Tests.TestSupport;
using OpenAI.Chat;

namespace AgentGuard.Http.Tests.Handler;

/// <summary>A call that passes two guards of one budget is charged once; guards of two budgets each charge theirs.</summary>
public sealed class DoubleGuardTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoGuardsOfOneBudget_ChargeTheCallOnce()
    {
        await using var h = await GuardHarness.StartAsync();
        var options = new AgentGuardOptions { BudgetUsd = 1m, BudgetName = "test" };
        using var http = new HttpClient(new BudgetGuardHandler(h.Session, options)
        {
            InnerHandler = new BudgetGuardHandler(h.Session, options) { InnerHandler = new SocketsHttpHandler() },
        });
        var chat = GuardHarness.CreateOpenAIClient(http, h.Server, maxRetries: 0).GetChatClient("gpt-4o-mini");

        await chat.CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct);
        await foreach (var _ in chat.CompleteChatStreamingAsync([new UserChatMessage("Hi")], cancellationToken: Ct))
        {
        }

        Assert.Equal(2, h.Meter.BilledRequests);
        Assert.Equal(2, h.Session.GetSummary().Calls);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task GuardsOfTwoBudgets_EachChargeTheCall()
    {
        await using var h = await GuardHarness.StartAsync();
        var team = BudgetedSession.Create(new AgentGuardOptions { BudgetUsd = 5m, BudgetName = "team" });
        using var http = new HttpClient(new BudgetGuardHandler(team, new AgentGuardOptions { BudgetUsd = 5m, BudgetName = "team" })
        {
            InnerHandler = new BudgetGuardHandler(h.Session, h.Options) { InnerHandler = new SocketsHttpHandler() },
        });

        await GuardHarness.CreateOpenAIClient(http, h.Server, maxRetries: 0).GetChatClient("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct);

        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(h.Meter.TotalBilledMicros, GuardHarness.ToMicros(team.GetTotalSpent()));
    }

    [Fact]
    public async Task ARetryOutsideTheGuard_GetsEveryAttemptGuarded()
    {
        await using var h = await GuardHarness.StartAsync();
        using var http = new HttpClient(new SendTwiceHandler
        {
            InnerHandler = new BudgetGuardHandler(h.Session, h.Options) { InnerHandler = new SocketsHttpHandler() },
        });

        await GuardHarness.CreateOpenAIClient(http, h.Server, maxRetries: 0).GetChatClient("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct);

        Assert.Equal(2, h.Meter.BilledRequests);
        Assert.Equal(2, h.Session.GetSummary().Calls);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task ARetryOutsideTheGuard_OfAStreamTheGuardAskedForUsage_StillHidesTheUsageChunk()
    {
        await using var h = await GuardHarness.StartAsync();
        using var http = new HttpClient(new SendTwiceHandler
        {
            InnerHandler = new BudgetGuardHandler(h.Session, h.Options) { InnerHandler = new SocketsHttpHandler() },
        }) { BaseAddress = h.Server.BaseUrl };

        using var response = await http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(ChatBodies.Simple(maxTokens: 20, stream: true)), Ct);
        string stream = await response.Content.ReadAsStringAsync(Ct);

        // The second attempt's body already asks for usage (the guard added it on the first): the caller never did.
        Assert.DoesNotContain("\"choices\":[]", stream, StringComparison.Ordinal);
        Assert.Contains("[DONE]", stream, StringComparison.Ordinal);
        Assert.Equal(2, h.Meter.BilledRequests);
        Assert.Equal(2, h.Session.GetSummary().Calls);

        // The first attempt's stream was disposed unread, so it is charged its reservation; the second settles from usage.
        Assert.True(h.SpentMicros >= h.Meter.TotalBilledMicros);
        Assert.Equal(0, h.ReservedMicros);
    }

    /// <summary>Sends each request twice, as a retry handler does after a failed attempt.</summary>
    private sealed class SendTwiceHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            (await base.SendAsync(request, cancellationToken)).Dispose();
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
