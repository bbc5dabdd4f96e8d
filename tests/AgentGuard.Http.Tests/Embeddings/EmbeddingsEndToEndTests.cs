using System.Net;
using System.Text;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Tests.TestSupport;
using OpenAI.Embeddings;

namespace AgentGuard.Http.Tests.Embeddings;

/// <summary>Embeddings through the official SDK's <see cref="EmbeddingClient"/> and raw JSON, against the fake server.</summary>
public sealed class EmbeddingsEndToEndTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GenerateEmbeddingAsync_SettlesAtWhatTheServerBilled()
    {
        await using var h = await GuardHarness.StartAsync();

        OpenAIEmbedding embedding = await h.OpenAI.GetEmbeddingClient("text-embedding-3-small").GenerateEmbeddingAsync("Héllo wörld! 你好，世界 👋", cancellationToken: Ct);

        Assert.Equal(1536, embedding.ToFloats().Length);
        var call = Assert.Single(h.Meter.Calls);
        Assert.Equal((FakeEndpoints.Embeddings, 0), (call.Endpoint, call.CompletionTokens));
        Assert.Equal(FakeMeter.CountTokens("Héllo wörld! 你好，世界 👋", "text-embedding-3-small"), call.PromptTokens);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
        Assert.Equal(1, h.Session.GetSummary().Calls);
        Assert.Empty(h.Errors);
    }

    [Fact]
    public async Task GenerateEmbeddings_SyncManyStringsWithDimensions_SettlesAtWhatTheServerBilled()
    {
        await using var h = await GuardHarness.StartAsync();
        string[] inputs = [.. Enumerable.Range(0, 50).Select(i => $"Document {i}: the quick brown fox jumps over the lazy dog.")];

        OpenAIEmbeddingCollection embeddings = h.OpenAI.GetEmbeddingClient("text-embedding-3-large")
            .GenerateEmbeddings(inputs, new EmbeddingGenerationOptions { Dimensions = 256 }, Ct);

        Assert.Equal(50, embeddings.Count);
        Assert.All(embeddings, e => Assert.Equal(256, e.ToFloats().Length));
        Assert.Equal(inputs.Sum(t => FakeMeter.CountTokens(t, "text-embedding-3-large")), embeddings.Usage.InputTokenCount);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Fact]
    public async Task GenerateEmbeddingsAsync_TokenIds_AreOneTokenEach()
    {
        await using var h = await GuardHarness.StartAsync();
        ReadOnlyMemory<int>[] inputs = [new[] { 9906, 1917, 0 }, new[] { 42 }, Enumerable.Range(1, 500).ToArray()];

        OpenAIEmbeddingCollection embeddings = await h.OpenAI.GetEmbeddingClient("text-embedding-ada-002").GenerateEmbeddingsAsync(inputs, cancellationToken: Ct);

        Assert.Equal(3, embeddings.Count);
        Assert.Equal(504, Assert.Single(h.Meter.Calls).PromptTokens);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task ByteBoundDoesNotFit_TheTokenizerBoundIsReservedAndTheCallSent()
    {
        // 500 words "x " are 1,000 bytes (20 micro-dollars at 0.02 per token) but about 500 tokens (11): a budget of 15 fits only the count.
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.000015m);
        string text = string.Concat(Enumerable.Repeat("x ", 500));

        await h.OpenAI.GetEmbeddingClient("text-embedding-3-small").GenerateEmbeddingAsync(text, cancellationToken: Ct);

        Assert.Equal(1, h.Meter.BilledRequests);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Contains(h.Logs.GetSnapshot(), r => r.Id.Name == "Reserved" && r.Message.Contains("tokenizer True", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CallTheBudgetCannotCover_ThrowsBudgetExceeded_AndIsNotSent()
    {
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.000001m);

        var refusal = await Assert.ThrowsAsync<BudgetExceededException>(() =>
            h.OpenAI.GetEmbeddingClient("text-embedding-3-large").GenerateEmbeddingAsync(string.Concat(Enumerable.Repeat("many words here ", 100)), cancellationToken: Ct));

        Assert.Equal("text-embedding-3-large", refusal.Model);
        Assert.Equal(0, h.Meter.TotalRequests);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Fact]
    public async Task RawHttpClient_EmptyInputArray_IsRefusedAsMalformedAndNotSent()
    {
        await using var h = await GuardHarness.StartAsync();

        var refusal = await Assert.ThrowsAsync<UnboundedRequestException>(() =>
            h.Http.PostAsync(new Uri("embeddings", UriKind.Relative), Json("""{"model":"text-embedding-3-small","input":[]}"""), Ct));

        Assert.Equal(UnboundedRequestReason.MalformedBody, refusal.Reason);
        Assert.Equal("The Embeddings request cannot be read: \"input\" must not be an empty array.", refusal.Message);
        Assert.Equal(0, h.Meter.TotalRequests);
    }

    [Fact]
    public async Task RawHttpClient_ItemTooLongRejectedByTheServer_IsReleased()
    {
        // 9,000 ids: the server rejects the item (400, OpenAI error body, unbilled), so the reservation is released.
        await using var h = await GuardHarness.StartAsync();
        string ids = string.Join(",", Enumerable.Repeat("7", 9000));

        using var response = await h.Http.PostAsync(new Uri("embeddings", UriKind.Relative), Json($$"""{"model":"text-embedding-3-small","input":[{{ids}}]}"""), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, h.Meter.BilledRequests);
        Assert.Equal(0, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Fact]
    public async Task AzureDeployment_IsPricedAsItsModel()
    {
        await using var h = await GuardHarness.StartAsync(configure: o => o.AzureDeployments["my-embed"] = new AzureDeployment { Model = "text-embedding-3-small" });
        var uri = new Uri(h.Server.Root, "openai/deployments/my-embed/embeddings?api-version=2024-10-21");

        using var response = await h.Http.PostAsync(uri, Json("""{"model":"my-embed","input":["one","two"]}"""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(("text-embedding-3-small", 2), (Assert.Single(h.Meter.Calls).PricedAs, h.Meter.Calls[0].PromptTokens));
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task WorstCaseServer_SmallBudgetManyCalls_NeverExceedsTheBudgetAndNeverReportsLessThanBilled()
    {
        const decimal budget = 0.0005m;
        await using var h = await GuardHarness.StartAsync(budgetUsd: budget, behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase });
        var client = h.OpenAI.GetEmbeddingClient("text-embedding-3-large");
        int refused = 0;

        for (int i = 0; i < 200 && refused < 3; i++)
        {
            try
            {
                string[] inputs = [.. Enumerable.Range(0, 1 + (i % 4)).Select(j => $"Call {i}, document {j}: {new string('é', i % 37)} 你好 {i * j}")];
                if (i % 3 == 0)
                {
                    await client.GenerateEmbeddingsAsync(inputs, cancellationToken: Ct);
                }
                else if (i % 3 == 1)
                {
                    client.GenerateEmbeddings([.. inputs.Select(t => (ReadOnlyMemory<int>)Enumerable.Range(0, t.Length).ToArray())], cancellationToken: Ct);
                }
                else
                {
                    await client.GenerateEmbeddingAsync(inputs[0], cancellationToken: Ct);
                }
            }
            catch (BudgetExceededException)
            {
                refused++;
            }

            Assert.True(h.Meter.TotalBilledMicros <= GuardHarness.ToMicros(budget), $"billed {h.Meter.TotalBilledMicros} > budget");
            Assert.True(h.SpentMicros >= h.Meter.TotalBilledMicros, $"spent {h.SpentMicros} < billed {h.Meter.TotalBilledMicros}");
        }

        Assert.Equal(3, refused);
        Assert.True(h.Meter.BilledRequests > 20, $"only {h.Meter.BilledRequests} calls were billed");
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
        Assert.Empty(h.Errors);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
