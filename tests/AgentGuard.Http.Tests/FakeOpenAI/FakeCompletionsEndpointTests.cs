using System.Net;
using System.Text;
using System.Text.Json;
using AgentGuard.FakeOpenAI;

namespace AgentGuard.Http.Tests.FakeOpenAI;

/// <summary>The fake's legacy /v1/completions: max(n, best_of) completions billed per prompt.</summary>
public sealed class FakeCompletionsEndpointTests
{
    private const string Instruct = "gpt-3.5-turbo-instruct";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Json_BestOf_BillsMaxOfNAndBestOf_AndReturnsNChoices()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();
        const string prompt = "Say this is a test";

        var (status, json) = await FakeApi.PostJsonAsync(
            http, new Uri(server.BaseUrl, "completions"), $$"""{"model":"{{Instruct}}","prompt":"{{prompt}}","n":2,"best_of":3}""");

        var tokens = FakeMeter.CountTokens(prompt, Instruct);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("text_completion", json.GetProperty("object").GetString());
        Assert.Equal(Instruct, json.GetProperty("model").GetString());
        var choices = json.GetProperty("choices");
        Assert.Equal(2, choices.GetArrayLength());
        Assert.Equal(FakeBehavior.DefaultContentText, choices[1].GetProperty("text").GetString());
        Assert.Equal(1, choices[1].GetProperty("index").GetInt32());
        Assert.Equal("stop", choices[0].GetProperty("finish_reason").GetString());
        var usage = json.GetProperty("usage");
        Assert.Equal((tokens, 15, tokens + 15), (usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32()));
        var call = Assert.Single(server.Meter.Calls);
        Assert.Equal((FakeEndpoints.Completions, tokens, 15, 2), (call.Endpoint, call.PromptTokens, call.CompletionTokens, call.Choices));
        Assert.Equal(((tokens * 1.50m) + (15 * 2.00m)) / 1_000_000m, server.Meter.TotalBilledUsd);
    }

    [Fact]
    public async Task WorstCase_BillsMaxTokens_16ByDefault_ForEveryPrompt_AndEchoesPrompts()
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { OutputMode = FakeOutputMode.WorstCase }, Ct);
        using var http = new HttpClient();

        var (_, json) = await FakeApi.PostJsonAsync(
            http, new Uri(server.BaseUrl, "completions"), """{"model":"davinci-002","prompt":["Hello","world"],"echo":true}""");

        var choices = json.GetProperty("choices");
        Assert.Equal("Hello" + FakeBehavior.DefaultContentText, choices[0].GetProperty("text").GetString());
        Assert.Equal("world" + FakeBehavior.DefaultContentText, choices[1].GetProperty("text").GetString());
        Assert.Equal("length", choices[1].GetProperty("finish_reason").GetString());
        Assert.Equal(2 * 16, json.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(2, json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(FakeMeter.PriceOf("davinci-002", 2, 0, 32), server.Meter.TotalBilledUsd);
    }

    [Fact]
    public async Task TokenIdPrompts_CountTheirIds()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();

        var (_, json) = await FakeApi.PostJsonAsync(
            http, new Uri(server.BaseUrl, "completions"), """{"model":"babbage-002","prompt":[[1,2,3],[4]],"max_tokens":3}""");

        Assert.Equal(4, json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(2 * 3, json.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal("length", json.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Stream_WithIncludeUsage_EndsWithAUsageChunkWithoutChoices_ThenDone()
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { SplitSse = true, SplitSeed = 5 }, Ct);
        using var http = new HttpClient();
        const string body = """{"model":"gpt-3.5-turbo-instruct","prompt":"Hello","stream":true,"stream_options":{"include_usage":true}}""";

        using var response = await FakeApi.PostAsync(http, new Uri(server.BaseUrl, "completions"), body);
        var events = FakeApi.ParseSse(await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.All(events, e => Assert.Null(e.Event));
        Assert.Equal("[DONE]", events[^1].Data);
        using var usageChunk = JsonDocument.Parse(events[^2].Data);
        Assert.Equal(0, usageChunk.RootElement.GetProperty("choices").GetArrayLength());
        Assert.Equal(1, usageChunk.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(5, usageChunk.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        var text = new StringBuilder();
        foreach (var (_, data) in events[..^2])
        {
            using var chunk = JsonDocument.Parse(data);
            Assert.Equal("text_completion", chunk.RootElement.GetProperty("object").GetString());
            Assert.Equal(JsonValueKind.Null, chunk.RootElement.GetProperty("usage").ValueKind);
            text.Append(Assert.Single(chunk.RootElement.GetProperty("choices").EnumerateArray()).GetProperty("text").GetString());
        }

        Assert.Equal(FakeBehavior.DefaultContentText, text.ToString());
        Assert.Equal(FakeMeter.PriceOf(Instruct, 1, 0, 5), server.Meter.TotalBilledUsd);
    }

    [Theory]
    [InlineData("""{"model":"gpt-3.5-turbo-instruct","prompt":"Hello","max_tokens":4096}""", HttpStatusCode.BadRequest, "context_length_exceeded")]
    [InlineData("""{"model":"gpt-3.5-turbo-instruct","prompt":"Hello","n":3,"best_of":2}""", HttpStatusCode.BadRequest, "invalid_value")]
    [InlineData("""{"model":"gpt-3.5-turbo-instruct","prompt":"Hello","best_of":2,"stream":true}""", HttpStatusCode.BadRequest, "invalid_value")]
    [InlineData("""{"model":"gpt-3.5-turbo-instruct","prompt":{"text":"Hello"}}""", HttpStatusCode.BadRequest, "invalid_type")]
    [InlineData("""{"model":"curie-001","prompt":"Hello"}""", HttpStatusCode.NotFound, "model_not_found")]
    [InlineData("""{"model":"gpt-4o-mini","prompt":"Hello"}""", HttpStatusCode.NotFound, null)]
    public async Task InvalidRequests_AnswerOpenAIErrorsAndAreNotBilled(string body, HttpStatusCode expected, string? code)
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();

        var (status, json) = await FakeApi.PostJsonAsync(http, new Uri(server.BaseUrl, "completions"), body);

        Assert.Equal(expected, status);
        Assert.Equal(code, json.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(0, server.Meter.BilledRequests);
    }

    [Fact]
    public async Task ChatEndpoint_RejectsACompletionsModel()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();

        var (status, _) = await FakeApi.PostJsonAsync(
            http, new Uri(server.BaseUrl, "chat/completions"), """{"model":"gpt-3.5-turbo-instruct","messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(0, server.Meter.BilledRequests);
    }
}
