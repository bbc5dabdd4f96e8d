using System.ClientModel;
using System.Net;
using System.Text.Json;
using AgentGuard.FakeOpenAI;
using OpenAI;
using OpenAI.Embeddings;

namespace AgentGuard.Http.Tests.FakeOpenAI;

/// <summary>The fake's /v1/embeddings: the input price only, on the fake's own token counts.</summary>
public sealed class FakeEmbeddingsEndpointTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static EmbeddingClient Client(FakeOpenAIServer server, string model) =>
        new OpenAIClient(new ApiKeyCredential("k"), new OpenAIClientOptions { Endpoint = server.BaseUrl }).GetEmbeddingClient(model);

    [Fact]
    public async Task GenerateEmbeddingsAsync_Base64_ReadsVectorsAndUsage_AndTheMeterBillsTheInputPrice()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        string[] inputs = ["Hello", "Héllo wörld, 你好!"];

        OpenAIEmbeddingCollection embeddings = await Client(server, "text-embedding-3-small").GenerateEmbeddingsAsync(
            inputs, new EmbeddingGenerationOptions { Dimensions = 256 }, Ct);

        var tokens = inputs.Sum(i => FakeMeter.CountTokens(i, "text-embedding-3-small"));
        Assert.Contains("\"encoding_format\":\"base64\"", Assert.Single(server.Meter.RequestBodies), StringComparison.Ordinal);
        Assert.Equal(2, embeddings.Count);
        Assert.Equal(256, embeddings[1].ToFloats().Length);
        Assert.Equal((((1 * 7) + 3) % 64 - 32) / 64f, embeddings[1].ToFloats().Span[3]);
        Assert.Equal(tokens, embeddings.Usage.InputTokenCount);
        Assert.Equal(tokens, embeddings.Usage.TotalTokenCount);
        var call = Assert.Single(server.Meter.Calls);
        Assert.Equal((FakeEndpoints.Embeddings, tokens, 0), (call.Endpoint, call.PromptTokens, call.CompletionTokens));
        Assert.Equal(tokens * 0.02m / 1_000_000m, server.Meter.TotalBilledUsd);
        Assert.Equal(FakeMeter.PriceOf("text-embedding-3-small", tokens, 0, 0), server.Meter.TotalBilledUsd);
    }

    [Fact]
    public async Task Float_AndTokenIdInputs_CountTokenIds()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();
        var url = new Uri(server.BaseUrl, "embeddings");

        var (_, floats) = await FakeApi.PostJsonAsync(http, url, """{"model":"text-embedding-3-large","input":"Hello","encoding_format":"float"}""");
        var (_, ids) = await FakeApi.PostJsonAsync(http, url, """{"model":"text-embedding-ada-002","input":[[1,2,3],[4,5]]}""");
        var (_, flat) = await FakeApi.PostJsonAsync(http, url, """{"model":"text-embedding-ada-002","input":[1,2,3]}""");

        Assert.Equal("list", floats.GetProperty("object").GetString());
        Assert.Equal(3072, floats.GetProperty("data")[0].GetProperty("embedding").GetArrayLength());
        Assert.Equal(-0.5, floats.GetProperty("data")[0].GetProperty("embedding")[0].GetDouble());
        Assert.Equal(1, floats.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(2, ids.GetProperty("data").GetArrayLength());
        Assert.Equal(5, ids.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(3, flat.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        Assert.Equal(FakeMeter.PriceOf("text-embedding-3-large", 1, 0, 0) + FakeMeter.PriceOf("text-embedding-ada-002", 8, 0, 0), server.Meter.TotalBilledUsd);
    }

    [Fact]
    public async Task AnInputOverTheLimit_IsRejected_AndOneAtTheLimitIsBilled()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();
        var url = new Uri(server.BaseUrl, "embeddings");
        string Ids(int count) => JsonSerializer.Serialize(Enumerable.Range(0, count).ToArray());

        var (over, error) = await FakeApi.PostJsonAsync(http, url, $$"""{"model":"text-embedding-3-small","input":[[1],{{Ids(8192)}}]}""");
        var (at, ok) = await FakeApi.PostJsonAsync(http, url, $$"""{"model":"text-embedding-3-small","input":{{Ids(8191)}}}""");

        Assert.Equal(HttpStatusCode.BadRequest, over);
        Assert.Equal("context_length_exceeded", error.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, at);
        Assert.Equal(8191, ok.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(8191, Assert.Single(server.Meter.Calls).PromptTokens);
    }

    [Theory]
    [InlineData("""{"model":"text-embedding-ada-002","input":"Hi","dimensions":256}""", HttpStatusCode.BadRequest, "invalid_value")]
    [InlineData("""{"model":"text-embedding-3-small","input":"Hi","dimensions":4096}""", HttpStatusCode.BadRequest, "invalid_value")]
    [InlineData("""{"model":"text-embedding-3-small","input":""}""", HttpStatusCode.BadRequest, "invalid_value")]
    [InlineData("""{"model":"text-embedding-3-small","input":["a",1]}""", HttpStatusCode.BadRequest, "invalid_value")]
    [InlineData("""{"model":"text-embedding-3-small","input":"Hi","encoding_format":"int8"}""", HttpStatusCode.BadRequest, "invalid_value")]
    [InlineData("""{"model":"text-embedding-3-small"}""", HttpStatusCode.BadRequest, "missing_required_parameter")]
    [InlineData("""{"model":"text-embedding-9","input":"Hi"}""", HttpStatusCode.NotFound, "model_not_found")]
    [InlineData("""{"model":"gpt-4o","input":"Hi"}""", HttpStatusCode.NotFound, null)]
    public async Task InvalidRequests_AnswerOpenAIErrorsAndAreNotBilled(string body, HttpStatusCode expected, string? code)
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();

        var (status, json) = await FakeApi.PostJsonAsync(http, new Uri(server.BaseUrl, "embeddings"), body);

        Assert.Equal(expected, status);
        Assert.Equal(code, json.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(0, server.Meter.BilledRequests);
    }

    [Fact]
    public async Task Failures_RateLimitIsNotBilled_OmitUsageStillBills()
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { OmitUsage = true }, Ct);
        using var http = new HttpClient();
        var url = new Uri(server.Root, "embeddings");
        const string body = """{"model":"text-embedding-3-small","input":"Hello"}""";

        var (limited, _) = await FakeApi.PostJsonAsync(http, url, body, FakeApi.Failure("RateLimit429"));
        var (status, json) = await FakeApi.PostJsonAsync(http, url, body);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(json.TryGetProperty("usage", out _));
        Assert.Equal(FakeMeter.PriceOf("text-embedding-3-small", 1, 0, 0), server.Meter.TotalBilledUsd);
    }
}
