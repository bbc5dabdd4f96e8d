using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Clients.Tests.TestSupport;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;

namespace AgentGuard.Http.Clients.Tests;

/// <summary>Two guards of one budget on the way of one call (a handler registered twice, a guarded client wrapped again) charge it once.</summary>
public sealed class LayeredGuardTests
{
    private static CancellationToken Ct => Guarded.Ct;

    [Fact]
    public async Task AddAgentGuardTwiceOnOneClient_ChargesEachCallOnce()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var services = new ServiceCollection();
        services.AddHttpClient("openai")
            .AddAgentGuard(o => o.BudgetUsd = 1m)
            .AddAgentGuard(o => o.BudgetUsd = 1m);
        await using var provider = services.BuildServiceProvider();
        var chat = new ChatClient("gpt-4o-mini", Guarded.Credential,
            Guarded.OpenAIOptions(provider.GetRequiredService<IHttpClientFactory>().CreateClient("openai"), server));

        await chat.CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct);
        await foreach (var _ in chat.CompleteChatStreamingAsync([new UserChatMessage("Hi")], cancellationToken: Ct))
        {
        }

        var session = provider.GetRequiredKeyedService<BudgetedSession>("openai");
        Assert.Equal(2, server.Meter.BilledRequests);
        Assert.Equal(2, session.GetSummary().Calls);
        Assert.Equal(server.Meter.TotalBilledMicros, Guarded.ToMicros(session.GetTotalSpent()));
    }

    [Fact]
    public async Task AGuardedFactoryPipeline_WrappedAgainByAGuardOfTheSameBudget_ChargesEachCallOnce()
    {
        // A library that wraps whatever HttpMessageHandler it is given in its own guard, handed the app's guarded pipeline
        // and the app's session: the IChatClient's calls pass two guards of one budget.
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var services = new ServiceCollection();
        services.AddHttpClient("openai").AddAgentGuard(o => o.BudgetUsd = 1m);
        await using var provider = services.BuildServiceProvider();
        var session = provider.GetRequiredKeyedService<BudgetedSession>("openai");
        var pipeline = provider.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler("openai");
        using var wrapped = new HttpClient(new BudgetGuardHandler(session, new AgentGuardOptions { BudgetUsd = 1m }) { InnerHandler = pipeline });
        var chat = new ChatClient("gpt-4o-mini", Guarded.Credential, Guarded.OpenAIOptions(wrapped, server)).AsIChatClient();

        await chat.GetResponseAsync("Hi", cancellationToken: Ct);
        await foreach (var _ in chat.GetStreamingResponseAsync("Hi", cancellationToken: Ct))
        {
        }

        Assert.Equal(2, server.Meter.BilledRequests);
        Assert.Equal(2, session.GetSummary().Calls);
        Assert.Equal(server.Meter.TotalBilledMicros, Guarded.ToMicros(session.GetTotalSpent()));
    }

    [Fact]
    public async Task TwoGuardsOfOneBudget_WithRetriesBetweenThem_ChargeEveryBilledAttempt()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var plan = new FailurePlan(failures: 1, FakeFailure.BadGateway502);
        var services = new ServiceCollection();
        services.AddHttpClient("openai").AddAgentGuard(o => o.BudgetUsd = 1m);
        services.AddHttpClient("openai").AddStandardResilienceHandler(o => o.Retry.Delay = TimeSpan.Zero);
        services.AddHttpClient("openai").AddAgentGuard(o => o.BudgetUsd = 1m).AddHttpMessageHandler(plan.CreateHandler);
        await using var provider = services.BuildServiceProvider();
        var chat = new ChatClient("gpt-4o-mini", Guarded.Credential,
            Guarded.OpenAIOptions(provider.GetRequiredService<IHttpClientFactory>().CreateClient("openai"), server));

        await chat.CompleteChatAsync([new UserChatMessage("Hi")], new ChatCompletionOptions { MaxOutputTokenCount = 100 }, Ct);

        var session = provider.GetRequiredKeyedService<BudgetedSession>("openai");
        Assert.Equal(2, server.Meter.BilledRequests);
        Assert.Equal(2, session.GetSummary().Calls);
        Assert.True(Guarded.ToMicros(session.GetTotalSpent()) >= server.Meter.TotalBilledMicros);
    }
}
