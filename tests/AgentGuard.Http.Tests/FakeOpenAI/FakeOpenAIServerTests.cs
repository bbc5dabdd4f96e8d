using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentGuard.FakeOpenAI;

namespace AgentGuard.Http.Tests.FakeOpenAI;

/// <summary>The fake server is the oracle of the billing tests, so it is tested itself, over loopback.</summary>
public sealed class FakeOpenAIServerTests
{
    private const string HelloMini = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}""";
    private const string StreamMini =
        """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}],"stream":true,"stream_options":{"include_usage":true}}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Json_Gpt4oMini_ReportsUsageAndMetersExactCost()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();

        using var response = await PostAsync(http, server.BaseUrl, HelloMini);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var root = json.RootElement;
        Assert.Equal("chat.completion", root.GetProperty("object").GetString());
        Assert.Equal("gpt-4o-mini", root.GetProperty("model").GetString());
        Assert.Equal("default", root.GetProperty("service_tier").GetString());
        var message = root.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal(FakeBehavior.DefaultContentText, message.GetProperty("content").GetString());
        var usage = root.GetProperty("usage");
        // Cookbook framing: 3 (priming) + 3 (message) + "user" (1) + "Hello" (1).
        Assert.Equal(8, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(5, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(13, usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(8, FakeMeter.CountPromptTokens(HelloMini));

        // (8 * 0.15 + 5 * 0.60) / 1M = 0.0000042 USD, 5 micro-dollars rounded up.
        Assert.Equal(0.0000042m, server.Meter.TotalBilledUsd);
        Assert.Equal(5, server.Meter.TotalBilledMicros);
        Assert.Equal(1, server.Meter.BilledRequests);
        Assert.Equal(1, server.Meter.TotalRequests);
        var call = Assert.Single(server.Meter.Calls);
        Assert.Equal(("gpt-4o-mini", 8, 5, "default", FakeFailure.None), (call.Model, call.PromptTokens, call.CompletionTokens, call.Tier, call.Failure));
        Assert.Equal(HelloMini, Assert.Single(server.Meter.RequestBodies));
    }

    [Fact]
    public async Task Json_CachedTokensAndPriorityTier_BillAtCachedAndPriorityRates()
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { CachedTokens = 4, ReasoningTokens = 2 }, Ct);
        using var http = new HttpClient();
        const string body = """{"model":"gpt-4o-mini-2024-07-18","service_tier":"priority","messages":[{"role":"user","content":"Hello"}]}""";

        using var response = await PostAsync(http, server.Root, body, path: "chat/completions");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("priority", json.RootElement.GetProperty("service_tier").GetString());
        var usage = json.RootElement.GetProperty("usage");
        Assert.Equal(4, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(2, usage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32());
        // (4 * 0.15 + 4 * 0.075 + 5 * 0.60) * 1.67 / 1M
        Assert.Equal(0.000006513m, server.Meter.TotalBilledUsd);
        Assert.Equal(7, server.Meter.TotalBilledMicros);
        Assert.Equal("gpt-4o-mini", Assert.Single(server.Meter.Calls).PricedAs);
    }

    [Fact]
    public async Task WorstCase_WithMaxTokens_BillsMaxTokensTimesChoices()
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { OutputMode = FakeOutputMode.WorstCase }, Ct);
        using var http = new HttpClient();
        const string body = """{"model":"gpt-4o-mini","n":3,"max_tokens":100,"messages":[{"role":"user","content":"Hello"}]}""";

        using var response = await PostAsync(http, server.BaseUrl, body);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, json.RootElement.GetProperty("choices").GetArrayLength());
        Assert.Equal("length", json.RootElement.GetProperty("choices")[2].GetProperty("finish_reason").GetString());
        Assert.Equal(300, json.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(300, Assert.Single(server.Meter.Calls).CompletionTokens);
        Assert.Equal(FakeMeter.PriceOf("gpt-4o-mini", 8, 0, 300), server.Meter.TotalBilledUsd);
    }

    [Fact]
    public async Task WorstCase_WithoutLimitAndWithPrediction_BillsModelMaxOutputPlusRejectedPrediction()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();
        const string body = """
            {"model":"gpt-4o","n":2,"messages":[{"role":"user","content":"Hello"}],
             "prediction":{"type":"content","content":[{"type":"text","text":"Hello world"}]}}
            """;

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseUrl, "chat/completions"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(FakeHeaders.Output, nameof(FakeOutputMode.WorstCase));
        using var response = await http.SendAsync(request, Ct);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));

        // "Hello world" is 2 o200k tokens, rejected in each of the 2 choices.
        var usage = json.RootElement.GetProperty("usage");
        Assert.Equal(2 * (16_384 + 2), usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(4, usage.GetProperty("completion_tokens_details").GetProperty("rejected_prediction_tokens").GetInt32());
        Assert.Equal(4, Assert.Single(server.Meter.Calls).RejectedPredictionTokens);
    }

    [Fact]
    public async Task Stream_WithIncludeUsage_EndsWithUsageChunkThenDone()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();

        using var response = await PostAsync(http, server.BaseUrl, StreamMini);
        var events = ParseSse(await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("[DONE]", events[^1]);
        using var usageChunk = JsonDocument.Parse(events[^2]);
        Assert.Equal(0, usageChunk.RootElement.GetProperty("choices").GetArrayLength());
        Assert.Equal(8, usageChunk.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(5, usageChunk.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        var content = new StringBuilder();
        foreach (var chunk in events[..^2])
        {
            using var doc = JsonDocument.Parse(chunk);
            Assert.Equal("chat.completion.chunk", doc.RootElement.GetProperty("object").GetString());
            Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("usage").ValueKind);
            var choice = Assert.Single(doc.RootElement.GetProperty("choices").EnumerateArray());
            if (choice.GetProperty("delta").TryGetProperty("content", out var piece))
            {
                content.Append(piece.GetString());
            }
        }

        Assert.Equal(FakeBehavior.DefaultContentText, content.ToString());
        Assert.Equal(FakeMeter.PriceOf("gpt-4o-mini", 8, 0, 5), server.Meter.TotalBilledUsd);
    }

    [Fact]
    public async Task Stream_WithoutIncludeUsage_CarriesNoUsageButIsBilled()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();
        const string body = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}],"stream":true}""";

        using var response = await PostAsync(http, server.BaseUrl, body);
        var events = ParseSse(await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal("[DONE]", events[^1]);
        Assert.All(events[..^1], e => Assert.DoesNotContain("\"usage\"", e, StringComparison.Ordinal));
        Assert.Equal(1, server.Meter.BilledRequests);
    }

    [Fact]
    public async Task SplitSse_WritesTinyChunksThatReassembleToTheSameEvents()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();
        using var whole = await PostAsync(http, server.BaseUrl, StreamMini);
        var expected = ParseSse(Normalize(await whole.Content.ReadAsStringAsync(Ct)));

        // HttpClient merges chunks when it reads, so read the raw HTTP/1.1 chunks off the socket.
        server.Behavior = new FakeBehavior { SplitSse = true, SplitSeed = 42 };
        var chunks = await ReadRawChunksAsync(server.Root, StreamMini);

        Assert.All(chunks, c => Assert.InRange(c.Length, 1, 7));
        var actual = ParseSse(Normalize(Encoding.UTF8.GetString([.. chunks.SelectMany(c => c)])));
        Assert.Equal(expected, actual);
        Assert.Contains(actual, e => e.Contains("👋", StringComparison.Ordinal));
        // Some piece starts inside a multi-byte UTF-8 character.
        Assert.Contains(chunks, c => c[0] is >= 0x80 and <= 0xBF);
    }

    [Fact]
    public async Task RateLimit429_AnswersOpenAIErrorAndIsNotBilled()
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { Failure = FakeFailure.RateLimit429 }, Ct);
        using var http = new HttpClient();

        using var response = await PostAsync(http, server.BaseUrl, HelloMini);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        Assert.Equal("requests", error.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        Assert.Equal(0, server.Meter.BilledRequests);
        Assert.Equal(0m, server.Meter.TotalBilledUsd);
        Assert.Equal(1, server.Meter.TotalRequests);
    }

    [Fact]
    public async Task CutStreamMidway_IsBilledInFullAndTheClientReadFails()
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { Failure = FakeFailure.CutStreamMidway }, Ct);
        using var http = new HttpClient();

        using var response = await PostAsync(http, server.BaseUrl, StreamMini, HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await response.Content.ReadAsStreamAsync(Ct);
        using var received = new MemoryStream();
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => stream.CopyToAsync(received, Ct));

        Assert.True(ex is IOException or HttpRequestException, ex.ToString());
        var text = Encoding.UTF8.GetString(received.ToArray());
        Assert.Contains("\"role\":\"assistant\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", text, StringComparison.Ordinal);
        Assert.Equal(1, server.Meter.BilledRequests);
        Assert.Equal(FakeMeter.PriceOf("gpt-4o-mini", 8, 0, 5), server.Meter.TotalBilledUsd);
        Assert.Equal(FakeFailure.CutStreamMidway, Assert.Single(server.Meter.Calls).Failure);
    }

    [Fact]
    public async Task FailureHeaders_OverrideTheBehaviorPerRequest()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();

        var aborted = await Assert.ThrowsAsync<HttpRequestException>(
            () => PostAsync(http, server.BaseUrl, HelloMini, failure: FakeFailure.AbortBeforeResponse));
        using var badGateway = await PostAsync(http, server.BaseUrl, HelloMini, failure: FakeFailure.BadGateway502);
        using var timeout = await PostAsync(http, server.BaseUrl, HelloMini, failure: FakeFailure.Timeout408);
        using var serverError = await PostAsync(http, server.BaseUrl, HelloMini, failure: FakeFailure.ServerError500);

        Assert.NotNull(aborted);
        Assert.Equal(HttpStatusCode.BadGateway, badGateway.StatusCode);
        Assert.Equal("text/html", badGateway.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.RequestTimeout, timeout.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, serverError.StatusCode);
        Assert.Equal(
            [FakeFailure.AbortBeforeResponse, FakeFailure.BadGateway502, FakeFailure.Timeout408],
            server.Meter.Calls.Select(c => c.Failure));
        Assert.Equal(3 * FakeMeter.PriceOf("gpt-4o-mini", 8, 0, 5), server.Meter.TotalBilledUsd);
        Assert.Equal(4, server.Meter.TotalRequests);
    }

    [Theory]
    [InlineData("""{"model":"gpt-9","messages":[{"role":"user","content":"Hi"}]}""", HttpStatusCode.NotFound, "model_not_found")]
    [InlineData("""{"model":"gpt-4o","service_tier":"flex","messages":[{"role":"user","content":"Hi"}]}""", HttpStatusCode.BadRequest, "invalid_value")]
    [InlineData("""{"model":"gpt-4o-mini","messages":[""", HttpStatusCode.BadRequest, null)]
    public async Task InvalidRequests_AnswerOpenAIErrorsAndAreNotBilled(string body, HttpStatusCode status, string? code)
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();

        using var response = await PostAsync(http, server.BaseUrl, body);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, json.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(0, server.Meter.BilledRequests);
    }

    [Fact]
    public async Task UnknownPath_Answers404WithOpenAIError()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri(server.BaseUrl, "models"), Ct);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.True(json.RootElement.GetProperty("error").TryGetProperty("message", out _));
    }

    [Fact]
    public async Task ParallelRequests_WithResponseDelay_AreInFlightTogether()
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { ResponseDelay = TimeSpan.FromMilliseconds(200) }, Ct);
        using var http = new HttpClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostAsync(http, server.BaseUrl, HelloMini)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        foreach (var r in responses)
        {
            r.Dispose();
        }

        Assert.True(server.Meter.MaxConcurrentRequests >= 8, $"max in flight: {server.Meter.MaxConcurrentRequests}");
        Assert.Equal(8, server.Meter.BilledRequests);
        Assert.Equal(8 * FakeMeter.MicrosOf(FakeMeter.PriceOf("gpt-4o-mini", 8, 0, 5)), server.Meter.TotalBilledMicros);
    }

    [Fact]
    public void PriceOf_FollowsTheTableTiersSnapshotsAndLongContext()
    {
        Assert.Equal(1.5225m, FakePrices.PriceOf("gpt-5.4", 300_000, 0, 1_000)); // (300k * 5.00 + 1k * 22.50) / 1M
        Assert.Equal(0.76125m, FakePrices.PriceOf("gpt-5.4", 300_000, 0, 1_000, "flex"));
        Assert.Equal(0.0025m, FakePrices.PriceOf("gpt-5.4", 1_000, 0, 0));
        Assert.Equal(0.02m, FakePrices.PriceOf("gpt-4o-2024-05-13", 1_000, 1_000, 1_000)); // no cached discount
        Assert.Equal(FakePrices.PriceOf("gpt-4o", 1_000, 500, 10), FakePrices.PriceOf("gpt-4o-2024-08-06", 1_000, 500, 10));
        Assert.Equal("gpt-3.5-turbo", FakePrices.Resolve("gpt-3.5-turbo-0125").Model);
        Assert.Equal(FakePrices.Cl100kBase, FakePrices.Resolve("gpt-4-0613").Encoding);
        Assert.Throws<ArgumentException>(() => FakePrices.PriceOf("gpt-5-nano", 1, 0, 1, "priority"));
        Assert.Equal(1L, FakeMeter.MicrosOf(0.0000000001m));
    }

    [Fact]
    public void CountPromptTokens_AddsNamesToolCallsAndTools()
    {
        const string plain = """{"model":"gpt-4o","messages":[{"role":"user","content":"Hello"}]}""";
        const string named = """{"model":"gpt-4o","messages":[{"role":"user","name":"bob","content":[{"type":"text","text":"Hello"}]}]}""";
        const string tool = """{"model":"gpt-4o","messages":[{"role":"user","content":"Hello"}],"tools":[{"type":"function"}]}""";
        var bob = FakeTokenCounter.CountTokens("bob", FakePrices.O200kBase);
        var toolJson = FakeTokenCounter.CountTokens("""{"type":"function"}""", FakePrices.O200kBase);

        Assert.Equal(8, FakeMeter.CountPromptTokens(plain));
        Assert.Equal(8 + bob + 1, FakeMeter.CountPromptTokens(named));
        Assert.Equal(8 + toolJson + 8, FakeMeter.CountPromptTokens(tool));
    }

    internal static async Task<HttpResponseMessage> PostAsync(
        HttpClient http,
        Uri baseUrl,
        string body,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead,
        string path = "chat/completions",
        FakeFailure? failure = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, path))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (failure is { } f)
        {
            request.Headers.Add(FakeHeaders.Failure, f.ToString());
        }

        return await http.SendAsync(request, completion, Ct);
    }

    /// <summary>The data of each event, in order.</summary>
    internal static List<string> ParseSse(string text) =>
        [.. text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e.StartsWith("data: ", StringComparison.Ordinal) ? e[6..] : e)];

    /// <summary>Posts over a raw socket and returns the body's chunks as the server framed them.</summary>
    private static async Task<List<byte[]>> ReadRawChunksAsync(Uri root, string body)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(root.Host, root.Port, Ct);
        await using var stream = tcp.GetStream();
        var content = Encoding.UTF8.GetBytes(body);
        var head = $"POST /v1/chat/completions HTTP/1.1\r\nHost: {root.Authority}\r\nContent-Type: application/json\r\n"
            + $"Content-Length: {content.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), Ct);
        await stream.WriteAsync(content, Ct);
        using var received = new MemoryStream();
        await stream.CopyToAsync(received, Ct);
        var raw = received.ToArray();

        var headerEnd = raw.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.Contains("transfer-encoding: chunked", Encoding.ASCII.GetString(raw, 0, headerEnd), StringComparison.OrdinalIgnoreCase);
        var chunks = new List<byte[]>();
        for (var pos = headerEnd + 4; ;)
        {
            var lineLength = raw.AsSpan(pos).IndexOf("\r\n"u8);
            var size = int.Parse(Encoding.ASCII.GetString(raw, pos, lineLength), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            pos += lineLength + 2;
            if (size == 0)
            {
                return chunks;
            }

            chunks.Add(raw[pos..(pos + size)]);
            pos += size + 2;
        }
    }

    private static string Normalize(string sse) =>
        Regex.Replace(sse, "\"id\":\"[^\"]*\",\"object\":\"([^\"]*)\",\"created\":\\d+", "\"object\":\"$1\"");
}
