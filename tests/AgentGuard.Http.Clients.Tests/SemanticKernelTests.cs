using System.ClientModel;
using System.Net;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Clients.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using ChatTokenUsage = OpenAI.Chat.ChatTokenUsage;
using Options = Microsoft.Extensions.Options.Options;

namespace AgentGuard.Http.Clients.Tests;

/// <summary>
/// Semantic Kernel's OpenAI connector on the guarded HttpClient, given explicitly
/// (<c>AddOpenAIChatCompletion(..., httpClient:)</c>) or resolved from DI (the factory's default client).
/// </summary>
public sealed class SemanticKernelTests
{
    private static CancellationToken Ct => Guarded.Ct;

    private static Kernel KernelOn(Guarded g, string model = "gpt-4o-mini") => Kernel.CreateBuilder()
        .AddOpenAIChatCompletion(model, endpoint: g.Server.BaseUrl, apiKey: Guarded.ApiKey, httpClient: g.Http)
        .Build();

    [Fact]
    public async Task InvokePromptAsync_SettlesTheMeteredCost_AndItsUsageMetadataIsWhatWasBilled()
    {
        await using var g = await Guarded.StartAsync();

        FunctionResult result = await KernelOn(g).InvokePromptAsync("Hi", cancellationToken: Ct);

        var billed = Assert.Single(g.Meter.Calls);
        var usage = Assert.IsType<ChatTokenUsage>(result.Metadata?["Usage"]);
        Assert.Equal(FakeBehavior.DefaultContentText, result.GetValue<string>());
        Assert.Equal((billed.PromptTokens, billed.CompletionTokens), (usage.InputTokenCount, usage.OutputTokenCount));
        Assert.Equal(billed.CostMicros, g.SpentMicros);
        Assert.Equal(0, g.ReservedMicros);
    }

    [Fact]
    public async Task ChatCompletionService_CompleteAndStream_SettleTheMeteredCost()
    {
        await using var g = await Guarded.StartAsync();
        var chat = KernelOn(g).GetRequiredService<IChatCompletionService>();
        var settings = new OpenAIPromptExecutionSettings { MaxTokens = 200 };

        ChatMessageContent reply = await chat.GetChatMessageContentAsync("Hi", settings, cancellationToken: Ct);
        var streamed = new List<StreamingChatMessageContent>();
        await foreach (var update in chat.GetStreamingChatMessageContentsAsync("Hi", settings, cancellationToken: Ct))
        {
            streamed.Add(update);
        }

        Assert.Equal(FakeBehavior.DefaultContentText, reply.Content);
        Assert.Equal(FakeBehavior.DefaultContentText, string.Concat(streamed.Select(u => u.Content)));
        Assert.Contains("\"include_usage\":true", g.Meter.RequestBodies[1], StringComparison.Ordinal);   // asked by the SDK under SK
        Assert.All(g.Meter.RequestBodies, b => Assert.Contains("\"max_completion_tokens\":200", b, StringComparison.Ordinal));
        Assert.Equal(2, g.Meter.BilledRequests);
        Assert.Equal(g.Meter.TotalBilledMicros, g.SpentMicros);
        Assert.Equal(0, g.ReservedMicros);
    }

    [Fact]
    public async Task ARefusal_ReachesTheCallerAsBudgetExceededException_NotWrapped_AndNothingIsSent()
    {
        // gpt-4o's worst case without a cap is about 0.16 USD: more than the budget (and fit-to-budget is off).
        await using var g = await Guarded.StartAsync(budgetUsd: 0.05m, configure: o => o.ClampOutputToBudget = false);
        var kernel = KernelOn(g, "gpt-4o");

        var invoked = await Assert.ThrowsAsync<BudgetExceededException>(() => kernel.InvokePromptAsync("Hi", cancellationToken: Ct));
        await Assert.ThrowsAsync<BudgetExceededException>(() => kernel.GetRequiredService<IChatCompletionService>().GetChatMessageContentAsync("Hi", cancellationToken: Ct));
        await Assert.ThrowsAsync<BudgetExceededException>(async () =>
        {
            await foreach (var _ in kernel.InvokePromptStreamingAsync("Hi", cancellationToken: Ct))
            {
            }
        });

        Assert.Equal("gpt-4o", invoked.Model);
        Assert.Equal(0, g.Meter.TotalRequests);
        Assert.Equal(3, g.Session.GetSummary().RefusedCalls);
    }

    [Fact]
    public async Task ARefusalAs402_ReachesTheCallerAsHttpOperationException_WithTheBudgetError()
    {
        await using var g = await Guarded.StartAsync(budgetUsd: 0.05m, configure: o =>
        {
            o.RefusalMode = BudgetRefusalMode.PaymentRequiredResponse;
            o.ClampOutputToBudget = false;
        });

        var refusal = await Assert.ThrowsAsync<HttpOperationException>(() => KernelOn(g, "gpt-4o").InvokePromptAsync("Hi", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.PaymentRequired, refusal.StatusCode);
        Assert.Equal(402, Assert.IsType<ClientResultException>(refusal.InnerException).Status);
        Assert.Contains("\"code\":\"budget_exceeded\"", refusal.ResponseContent, StringComparison.Ordinal);
        Assert.Equal(0, g.Meter.TotalRequests);
    }

    [Fact]
    public async Task SKTurnsOffTheSDKsRetries_SoA429IsOneAttempt_Released()
    {
        await using var g = await Guarded.StartAsync(behavior: new FakeBehavior { Failure = FakeFailure.RateLimit429 });

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => KernelOn(g).InvokePromptAsync("Hi", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.TooManyRequests, error.StatusCode);
        Assert.Equal(1, g.Meter.TotalRequests);
        Assert.Equal(0, g.SpentMicros);
        Assert.Equal(0, g.ReservedMicros);
    }

    [Fact]
    public async Task TheDIForm_UsesTheFactorysDefaultClient_SoGuardTheDefaultClient()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var services = new ServiceCollection();
        services.AddHttpClient(Options.DefaultName).AddAgentGuard(o => o.BudgetUsd = 5m);
        services.AddOpenAIChatCompletion("gpt-4o-mini", server.BaseUrl, Guarded.ApiKey);
        services.AddKernel();
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<Kernel>().InvokePromptAsync("Hi", cancellationToken: Ct);
        await provider.GetRequiredService<IChatCompletionService>().GetChatMessageContentAsync("Hi", cancellationToken: Ct);

        var session = provider.GetRequiredKeyedService<BudgetedSession>("default");   // the unnamed client's budget
        Assert.Equal(2, session.GetSummary().Calls);
        Assert.Equal(2, server.Meter.BilledRequests);
        Assert.Equal(server.Meter.TotalBilledMicros, Guarded.ToMicros(session.GetTotalSpent()));
    }

    [Fact]
    public async Task TheDIForm_DoesNotUseANamedClient_SoANamedGuardLeavesItsCallsUnguarded()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var services = new ServiceCollection();
        services.AddHttpClient("openai").AddAgentGuard(o => o.BudgetUsd = 5m);
        services.AddOpenAIChatCompletion("gpt-4o-mini", server.BaseUrl, Guarded.ApiKey);
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<IChatCompletionService>().GetChatMessageContentAsync("Hi", cancellationToken: Ct);

        var session = provider.GetRequiredKeyedService<BudgetedSession>("openai");
        Assert.Equal(1, server.Meter.BilledRequests);
        Assert.Equal(0, session.GetSummary().Calls);
        Assert.Equal(0m, session.GetTotalSpent());
    }

    [Fact]
    public async Task TheDIForm_WithConfigureHttpClientDefaults_IsGuarded()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var services = new ServiceCollection();
        services.ConfigureHttpClientDefaults(b => b.AddAgentGuard(o => o.BudgetUsd = 5m));
        services.AddOpenAIChatCompletion("gpt-4o-mini", server.BaseUrl, Guarded.ApiKey);
        await using var provider = services.BuildServiceProvider();

        await provider.GetRequiredService<IChatCompletionService>().GetChatMessageContentAsync("Hi", cancellationToken: Ct);

        var budgets = provider.GetRequiredService<IBudgetSessionProvider>();
        var session = budgets.Get(Assert.Single(budgets.BudgetNames));
        Assert.Equal(1, session.GetSummary().Calls);
        Assert.Equal(server.Meter.TotalBilledMicros, Guarded.ToMicros(session.GetTotalSpent()));
    }

    [Fact]
    public async Task WorstCase_ManyCallsOnASmallBudget_TheServerNeverBillsMoreThanTheBudget()
    {
        const decimal budget = 0.02m;
        await using var g = await Guarded.StartAsync(budgetUsd: budget, behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase });
        var kernel = KernelOn(g);
        var chat = kernel.GetRequiredService<IChatCompletionService>();
        var settings = new OpenAIPromptExecutionSettings { MaxTokens = 1_500 };
        int completed = 0;
        BudgetExceededException? refusal = null;

        for (int i = 0; i < 60 && refusal is null; i++)
        {
            int requestsBefore = g.Meter.TotalRequests;
            try
            {
                if (i % 2 == 0)
                {
                    await kernel.InvokePromptAsync($"Call {i}", new KernelArguments(settings), cancellationToken: Ct);
                }
                else
                {
                    await foreach (var _ in chat.GetStreamingChatMessageContentsAsync($"Call {i}", settings, cancellationToken: Ct))
                    {
                    }
                }

                completed++;
            }
            catch (BudgetExceededException ex)
            {
                refusal = ex;
                Assert.Equal(requestsBefore, g.Meter.TotalRequests);
            }

            Assert.True(g.Meter.TotalBilledUsd <= budget, $"the server billed {g.Meter.TotalBilledUsd} USD of a {budget} USD budget");
            Assert.True(g.SpentMicros >= g.Meter.TotalBilledMicros);
        }

        Assert.NotNull(refusal);
        Assert.True(completed >= 10, $"{completed} calls completed");
        Assert.Equal(g.Meter.TotalBilledMicros, g.SpentMicros);
    }
}
