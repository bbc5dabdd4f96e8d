using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Clients.Tests.TestSupport;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AgentGuard.Http.Clients.Tests;

/// <summary>
/// Microsoft.Extensions.AI's <see cref="IChatClient"/> over the official SDK (<c>ChatClient.AsIChatClient()</c>) on the
/// guarded HttpClient: what the caller sees in <see cref="ChatResponse.Usage"/> is what the guard settled.
/// </summary>
public sealed class ExtensionsAITests
{
    private static CancellationToken Ct => Guarded.Ct;

    private static IChatClient ChatClient(Guarded g, string model = "gpt-4o-mini") =>
        new OpenAI.Chat.ChatClient(model, Guarded.Credential, g.OpenAIOptions()).AsIChatClient();

    [Fact]
    public async Task GetResponseAsync_TheUsageTheCallerSees_IsWhatTheServerBilled_AndWhatTheGuardSettled()
    {
        await using var g = await Guarded.StartAsync();
        var chat = ChatClient(g);

        ChatResponse response = await chat.GetResponseAsync("Hi", new ChatOptions { MaxOutputTokens = 64 }, Ct);

        var billed = Assert.Single(g.Meter.Calls);
        Assert.Equal(FakeBehavior.DefaultContentText, response.Text);
        Assert.NotNull(response.Usage);
        Assert.Equal(billed.PromptTokens, response.Usage.InputTokenCount);
        Assert.Equal(billed.CompletionTokens, response.Usage.OutputTokenCount);
        Assert.Contains("\"max_completion_tokens\":64", Assert.Single(g.Meter.RequestBodies), StringComparison.Ordinal);
        Assert.Equal(billed.CostMicros, g.SpentMicros);
        Assert.Equal(0, g.ReservedMicros);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ReportsUsageContent_AndSettlesTheMeteredCost()
    {
        await using var g = await Guarded.StartAsync();
        var updates = new List<ChatResponseUpdate>();

        await foreach (var update in ChatClient(g).GetStreamingResponseAsync("Hi", cancellationToken: Ct))
        {
            updates.Add(update);
        }

        var billed = Assert.Single(g.Meter.Calls);
        var usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>()).Details;
        Assert.Equal(FakeBehavior.DefaultContentText, updates.ToChatResponse().Text);
        Assert.Equal((billed.PromptTokens, billed.CompletionTokens), (usage.InputTokenCount, usage.OutputTokenCount));
        Assert.True(billed.Stream);
        Assert.Equal(billed.CostMicros, g.SpentMicros);
        Assert.Equal(0, g.ReservedMicros);
    }

    [Fact]
    public async Task ARefusal_SurfacesAsBudgetExceededException_AndNothingReachesTheServer()
    {
        // gpt-4o's worst case without a cap (16,384 output tokens) is about 0.16 USD: more than the budget (and fit-to-budget is off).
        await using var g = await Guarded.StartAsync(budgetUsd: 0.05m, configure: o => o.ClampOutputToBudget = false);
        var chat = ChatClient(g, "gpt-4o");

        var refusal = await Assert.ThrowsAsync<BudgetExceededException>(() => chat.GetResponseAsync("Hi", cancellationToken: Ct));
        var streamed = await Assert.ThrowsAsync<BudgetExceededException>(async () =>
        {
            await foreach (var _ in chat.GetStreamingResponseAsync("Hi", cancellationToken: Ct))
            {
            }
        });

        Assert.Equal(("gpt-4o", 0.05m), (refusal.Model, refusal.BudgetUsd));
        Assert.True(refusal.RequiredUsd > refusal.RemainingUsd);
        Assert.Equal("gpt-4o", streamed.Model);
        Assert.Equal(0, g.Meter.TotalRequests);
        Assert.Equal(2, g.Session.GetSummary().RefusedCalls);
    }

    [Fact]
    public async Task Embeddings_ThroughIEmbeddingGenerator_AreGuardedAndSettled()
    {
        await using var g = await Guarded.StartAsync();
        var generator = new OpenAI.Embeddings.EmbeddingClient("text-embedding-3-small", Guarded.Credential, g.OpenAIOptions()).AsIEmbeddingGenerator();

        var embeddings = await generator.GenerateAsync(["one", "two words", "three words here"], cancellationToken: Ct);

        Assert.Equal(3, embeddings.Count);
        Assert.Equal(Assert.Single(g.Meter.Calls).PromptTokens, embeddings.Usage?.InputTokenCount);
        Assert.Equal(g.Meter.TotalBilledMicros, g.SpentMicros);
    }

    [Fact]
    public async Task TheDIForm_AClientBuiltFromIHttpClientFactory_IsGuardedByTheNamedBudget()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var services = new ServiceCollection();
        services.AddHttpClient("openai").AddAgentGuard(o => o.BudgetUsd = 5m);
        services.AddSingleton(sp => new OpenAI.Chat.ChatClient("gpt-4o-mini", Guarded.Credential,
            Guarded.OpenAIOptions(sp.GetRequiredService<IHttpClientFactory>().CreateClient("openai"), server)).AsIChatClient());
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var chat = provider.GetRequiredService<IChatClient>();
        var response = await chat.GetResponseAsync("Hi", cancellationToken: Ct);
        await foreach (var _ in chat.GetStreamingResponseAsync("Hi", cancellationToken: Ct))
        {
        }

        var session = provider.GetRequiredKeyedService<BudgetedSession>("openai");
        Assert.Equal(server.Meter.Calls[0].CompletionTokens, response.Usage?.OutputTokenCount);
        Assert.Equal(2, session.GetSummary().Calls);
        Assert.Equal(server.Meter.TotalBilledMicros, Guarded.ToMicros(session.GetTotalSpent()));
        Assert.Equal(5m, session.GetBudget());
    }

#pragma warning disable OPENAI001 // ResponsesClient and its IChatClient are marked for evaluation.
    private static IChatClient ResponsesChatClient(Guarded g) => new OpenAI.Responses.ResponsesClient(Guarded.Credential, new OpenAI.Responses.ResponsesClientOptions
    {
        Endpoint = g.Server.BaseUrl,
        Transport = new System.ClientModel.Primitives.HttpClientPipelineTransport(g.Http),
        RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0),
    }).AsIChatClient("gpt-4o-mini");

    [Fact]
    public async Task TheResponsesAPI_ThroughIChatClient_IsGuardedAndSettled()
    {
        await using var g = await Guarded.StartAsync();

        var response = await ResponsesChatClient(g).GetResponseAsync("Hi", new ChatOptions { MaxOutputTokens = 100 }, Ct);

        var billed = Assert.Single(g.Meter.Calls);
        Assert.Equal(FakeEndpoints.Responses, billed.Endpoint);
        Assert.Equal((billed.PromptTokens, billed.CompletionTokens), (response.Usage?.InputTokenCount, response.Usage?.OutputTokenCount));
        Assert.Equal(billed.CostMicros, g.SpentMicros);
        Assert.Equal(0, g.ReservedMicros);
    }

    [Fact]
    public async Task ResponsesStreaming_OfExtensionsAIOpenAI_11_0_StillFailsOnOpenAI_2_15_BeforeAnythingIsSent()
    {
        // Not the guard: Microsoft.Extensions.AI.OpenAI 11.0.0, like 10.11.0, is built against OpenAI 2.14.0, whose
        // CreateResponseStreamingAsync returned AsyncCollectionResult<T>; 2.15.0 returns AsyncStreamingResult<T>.
        // When a Microsoft.Extensions.AI.OpenAI built against 2.15 is taken, this test fails: then stream through it.
        await using var g = await Guarded.StartAsync();

        var missing = await Assert.ThrowsAsync<MissingMethodException>(async () =>
        {
            await foreach (var _ in ResponsesChatClient(g).GetStreamingResponseAsync("Hi", cancellationToken: Ct))
            {
            }
        });

        Assert.Contains("CreateResponseStreamingAsync", missing.Message, StringComparison.Ordinal);
        Assert.Equal(0, g.Meter.TotalRequests);
        Assert.Equal(0, g.Session.GetSummary().Calls);
    }
#pragma warning restore OPENAI001

    [Fact]
    public async Task WorstCase_ManyCallsOnASmallBudget_TheServerNeverBillsMoreThanTheBudget()
    {
        const decimal budget = 0.02m;
        await using var g = await Guarded.StartAsync(budgetUsd: budget, configure: o => o.ClampOutputToBudget = false, behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase });
        var chat = ChatClient(g);   // gpt-4o-mini: 16,384 output tokens bill about 0.01 USD
        var options = new ChatOptions { MaxOutputTokens = 1_500 };
        int completed = 0;
        BudgetExceededException? refusal = null;

        for (int i = 0; i < 60 && refusal is null; i++)
        {
            int requestsBefore = g.Meter.TotalRequests;
            try
            {
                if (i % 2 == 0)
                {
                    var response = await chat.GetResponseAsync($"Call {i}", options, Ct);
                    Assert.Equal(1_500, response.Usage?.OutputTokenCount);
                }
                else
                {
                    await foreach (var _ in chat.GetStreamingResponseAsync($"Call {i}", options, Ct))
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
