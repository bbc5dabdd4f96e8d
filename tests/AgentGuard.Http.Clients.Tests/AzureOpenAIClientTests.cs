using System.ClientModel.Primitives;
using System.Text;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Clients.Tests.TestSupport;
using Azure.AI.OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;

namespace AgentGuard.Http.Clients.Tests;

/// <summary>
/// Azure.AI.OpenAI's <see cref="AzureOpenAIClient"/> on the guarded HttpClient: its calls go to
/// <c>/openai/deployments/{deployment}/...?api-version=...</c> and are priced as the model the deployment is mapped to.
/// </summary>
public sealed class AzureOpenAIClientTests
{
    private static CancellationToken Ct => Guarded.Ct;

    private static Task<Guarded> StartAsync(decimal budgetUsd = 1m, FakeBehavior? behavior = null, decimal gpt4oMultiplier = 1m, Func<HttpMessageHandler, HttpMessageHandler>? inner = null, bool fitToBudget = true) =>
        Guarded.StartAsync(budgetUsd, o =>
        {
            o.ClampOutputToBudget = fitToBudget;
            o.AzureDeployments["my-gpt4o"] = new AzureDeployment { Model = "gpt-4o", PriceMultiplier = gpt4oMultiplier };
            o.AzureDeployments["my-mini"] = new AzureDeployment { Model = "gpt-4o-mini" };
            o.AzureDeployments["my-embed"] = new AzureDeployment { Model = "text-embedding-3-small" };
        }, behavior, inner);

    private static AzureOpenAIClient Azure(Guarded g) => new(g.Server.Root, Guarded.Credential, new AzureOpenAIClientOptions
    {
        Transport = new HttpClientPipelineTransport(g.Http),
        RetryPolicy = new ClientRetryPolicy(0),
    });

    [Fact]
    public async Task Complete_GoesToTheDeploymentPath_AndSettlesTheMeteredCost()
    {
        var requests = new RecordRequests();
        await using var g = await StartAsync(inner: network => { requests.InnerHandler = network; return requests; });
        var chat = Azure(g).GetChatClient("my-gpt4o");

        ChatCompletion reply = await chat.CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct);
        chat.CompleteChat([new UserChatMessage("Hi again")], cancellationToken: Ct);   // the synchronous path too

        Assert.NotEmpty(reply.Content[0].Text);
        Assert.All(requests.Requests, r => Assert.StartsWith("POST /openai/deployments/my-gpt4o/chat/completions?api-version=", r, StringComparison.Ordinal));
        Assert.All(g.Meter.Calls, c => Assert.Equal(("gpt-4o", "my-gpt4o"), (c.Model, c.Deployment)));
        Assert.Equal(2, g.Meter.BilledRequests);
        Assert.Equal(g.Meter.TotalBilledMicros, g.SpentMicros);
        Assert.Equal(0, g.ReservedMicros);
        Assert.Equal(g.Meter.TotalBilledMicros, Guarded.ToMicros(g.Session.GetSummary().SpendByModel["gpt-4o"]));
    }

    [Fact]
    public async Task Stream_AsksForUsage_SoItSettlesTheMeteredCost()
    {
        await using var g = await StartAsync();
        long reservedWhileStreaming = 0;
        var text = new StringBuilder();

        await foreach (var update in Azure(g).GetChatClient("my-gpt4o").CompleteChatStreamingAsync([new UserChatMessage("Hi")], cancellationToken: Ct))
        {
            reservedWhileStreaming = Math.Max(reservedWhileStreaming, g.ReservedMicros);
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        // Azure.AI.OpenAI 2.9 keeps the SDK's stream_options for plain chat requests: the stream reports its usage.
        Assert.Contains("\"include_usage\":true", Assert.Single(g.Meter.RequestBodies), StringComparison.Ordinal);
        Assert.Equal(FakeBehavior.DefaultContentText, text.ToString());
        Assert.True(reservedWhileStreaming > g.Meter.TotalBilledMicros, "the stream held its upper bound while it was read");
        Assert.Equal(g.Meter.TotalBilledMicros, g.SpentMicros);
        Assert.Equal(0, g.ReservedMicros);
    }

    [Fact]
    public async Task StreamWithoutUsage_OnAnAzurePath_IsNotRewritten_AndIsChargedItsWholeReservation()
    {
        // A protocol caller (or Azure.AI.OpenAI on a request with data_sources or images) streams without
        // stream_options; on Azure paths the guard never adds it, so the stream ends without usage.
        await using var g = await StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(g.Server.Root, "openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21"))
        {
            Content = new StringContent("""{"messages":[{"role":"user","content":"Hi"}],"model":"my-gpt4o","stream":true,"max_tokens":100}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("api-key", Guarded.ApiKey);

        using var response = await g.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        long reservation = g.ReservedMicros;
        string sse = await response.Content.ReadAsStringAsync(Ct);

        Assert.DoesNotContain("stream_options", Assert.Single(g.Meter.RequestBodies), StringComparison.Ordinal);
        Assert.DoesNotContain("\"usage\"", sse, StringComparison.Ordinal);
        Assert.True(reservation > 0);
        Assert.Equal(reservation, g.SpentMicros);
        Assert.True(g.SpentMicros >= g.Meter.TotalBilledMicros);
        Assert.Equal(0, g.ReservedMicros);
    }

    [Fact]
    public async Task MaxOutputTokenCount_IsSentAsMaxTokens_AndTheGuardBoundsTheCallByIt()
    {
        // gpt-4o's uncapped worst case (16,384 output tokens, 0.16 USD) does not fit 0.01 USD; capped at 50 tokens it does.
        await using var g = await StartAsync(budgetUsd: 0.01m, behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase }, fitToBudget: false);
        var chat = Azure(g).GetChatClient("my-gpt4o");

        await chat.CompleteChatAsync([new UserChatMessage("Hi")], new ChatCompletionOptions { MaxOutputTokenCount = 50 }, Ct);
        await Assert.ThrowsAsync<BudgetExceededException>(() => chat.CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct));

        string body = Assert.Single(g.Meter.RequestBodies);
        Assert.Contains("\"max_tokens\":50", body, StringComparison.Ordinal);
        Assert.DoesNotContain("max_completion_tokens", body, StringComparison.Ordinal);
        Assert.Equal(50, Assert.Single(g.Meter.Calls).CompletionTokens);
        Assert.Equal(g.Meter.TotalBilledMicros, g.SpentMicros);
        Assert.Equal(1, g.Session.GetSummary().RefusedCalls);
    }

    [Fact]
    public async Task Embeddings_ThroughTheEmbeddingClient_AreGuardedAndSettled()
    {
        var requests = new RecordRequests();
        await using var g = await StartAsync(inner: network => { requests.InnerHandler = network; return requests; });
        var embeddings = Azure(g).GetEmbeddingClient("my-embed");

        OpenAIEmbedding one = await embeddings.GenerateEmbeddingAsync("The quick brown fox jumps over the lazy dog.", cancellationToken: Ct);
        OpenAIEmbeddingCollection many = await embeddings.GenerateEmbeddingsAsync(["one", "two", "three"], cancellationToken: Ct);

        Assert.False(one.ToFloats().IsEmpty);
        Assert.Equal(3, many.Count);
        Assert.All(requests.Requests, r => Assert.StartsWith("POST /openai/deployments/my-embed/embeddings?api-version=", r, StringComparison.Ordinal));
        Assert.All(g.Meter.Calls, c => Assert.Equal((FakeEndpoints.Embeddings, "text-embedding-3-small"), (c.Endpoint, c.Model)));
        Assert.Equal(2, g.Session.GetSummary().Calls);
        Assert.Equal(g.Meter.TotalBilledMicros, g.SpentMicros);
    }

    [Fact]
    public async Task AnUnmappedDeployment_IsRefusedBeforeItIsSent_WithAMessageThatSaysHowToMapIt()
    {
        await using var g = await StartAsync();

        var refusal = await Assert.ThrowsAsync<UnboundedRequestException>(
            () => Azure(g).GetChatClient("my-mini-eu").CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct));

        Assert.Equal(UnboundedRequestReason.UnknownDeployment, refusal.Reason);
        Assert.Contains("'my-mini-eu'", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("AzureDeployments[\"my-mini-eu\"]", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, g.Meter.TotalRequests);
        Assert.Equal(0, g.SpentMicros);
        Assert.Equal(1, g.Session.GetSummary().RefusedCalls);
    }

    [Fact]
    public async Task TheDeploymentsPriceMultiplier_IsAppliedToWhatIsSettled()
    {
        // The fake bills list prices; the deployment bills 1.1 times them (a data-zone deployment, say).
        await using var g = await StartAsync(behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase }, gpt4oMultiplier: 1.1m);
        var azure = Azure(g);

        await azure.GetChatClient("my-gpt4o").CompleteChatAsync([new UserChatMessage("Hi")], new ChatCompletionOptions { MaxOutputTokenCount = 333 }, Ct);
        await azure.GetChatClient("my-mini").CompleteChatAsync([new UserChatMessage("Hi")], new ChatCompletionOptions { MaxOutputTokenCount = 333 }, Ct);

        var (gpt4o, mini) = (g.Meter.Calls[0], g.Meter.Calls[1]);
        long expected = (long)Math.Ceiling(gpt4o.CostUsd * 1_000_000m * 1.1m) + mini.CostMicros;
        Assert.Equal(expected, g.SpentMicros);
        Assert.True(g.SpentMicros > g.Meter.TotalBilledMicros);
        var byModel = g.Session.GetSummary().SpendByModel;
        Assert.Equal(mini.CostMicros, Guarded.ToMicros(byModel["gpt-4o-mini"]));
    }

    [Fact]
    public async Task TheOpenAIClient_OnTheAzureV1Endpoint_IsPricedByTheDeploymentTheModelFieldNames()
    {
        // The newer Azure pattern: the official OpenAI client pointed at {resource}/openai/v1/, "model" naming a deployment.
        var requests = new RecordRequests();
        await using var g = await StartAsync(inner: network => { requests.InnerHandler = network; return requests; });
        var options = g.OpenAIOptions();
        options.Endpoint = new Uri(g.Server.Root, "openai/v1/");
        var chat = new ChatClient("my-mini", Guarded.Credential, options);

        await chat.CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct);
        await foreach (var _ in chat.CompleteChatStreamingAsync([new UserChatMessage("Hi")], cancellationToken: Ct))
        {
        }

        var unmapped = await Assert.ThrowsAsync<UnboundedRequestException>(
            () => new ChatClient("gpt-4o-mini", Guarded.Credential, options).CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct));

        Assert.Equal(UnboundedRequestReason.UnknownDeployment, unmapped.Reason);   // a model name is not a deployment on Azure paths
        Assert.All(requests.Requests, r => Assert.Equal("POST /openai/v1/chat/completions", r));
        Assert.All(g.Meter.Calls, c => Assert.Equal(("gpt-4o-mini", "my-mini"), (c.Model, c.Deployment)));
        Assert.Equal(2, g.Meter.BilledRequests);
        Assert.Equal(g.Meter.TotalBilledMicros, g.SpentMicros);
        Assert.Equal(g.Meter.TotalBilledMicros, Guarded.ToMicros(g.Session.GetSummary().SpendByModel["gpt-4o-mini"]));
    }

    [Fact]
    public async Task WorstCase_ManyCallsOnASmallBudget_TheServerNeverBillsMoreThanTheBudget()
    {
        const decimal budget = 0.25m;
        await using var g = await StartAsync(budgetUsd: budget, behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase }, fitToBudget: false);
        var chat = Azure(g).GetChatClient("my-gpt4o");
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 2_000 };
        int completed = 0;
        BudgetExceededException? refusal = null;

        for (int i = 0; i < 40 && refusal is null; i++)
        {
            int requestsBefore = g.Meter.TotalRequests;
            try
            {
                if (i % 2 == 0)
                {
                    await chat.CompleteChatAsync([new UserChatMessage($"Call {i}")], options, Ct);
                }
                else
                {
                    await foreach (var _ in chat.CompleteChatStreamingAsync([new UserChatMessage($"Call {i}")], options, Ct))
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
        Assert.Equal(2_000 * completed, g.Meter.Calls.Sum(c => c.CompletionTokens));
    }
}
