using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using AgentGuard.FakeOpenAI;
using OpenAI;
using OpenAI.Responses;

#pragma warning disable OPENAI001 // The Responses API is marked experimental in the SDK.

namespace AgentGuard.Http.Tests.FakeOpenAI;

/// <summary>The fake's Responses API, read by the official SDK and over raw HTTP.</summary>
public sealed class FakeResponsesEndpointTests
{
    private const string HelloBody = """{"model":"gpt-4o","input":"Hello"}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ResponsesClient Client(FakeOpenAIServer server) =>
        new OpenAIClient(new ApiKeyCredential("k"), new OpenAIClientOptions { Endpoint = server.BaseUrl }).GetResponsesClient();

    private static int Tokens(string text) => FakeTokenCounter.CountTokens(text, FakePrices.O200kBase);

    [Fact]
    public async Task CreateResponseAsync_ReadsTextUsageAndTier_AndTheMeterBillsExactly()
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { CachedTokens = 2, ReasoningTokens = 1 }, Ct);
        var options = new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("Hello")]) { Instructions = "Be brief." };

        ResponseResult response = await Client(server).CreateResponseAsync(options, Ct);

        // 3 (priming) + instructions as a system message (3 + "system" + text) + the user message (3 + "user" + "Hello").
        var input = 3 + (3 + 1 + Tokens("Be brief.")) + (3 + 1 + 1);
        Assert.Equal(input, FakeMeter.CountResponsesInputTokens(Assert.Single(server.Meter.RequestBodies)));
        Assert.Equal(FakeBehavior.DefaultContentText, response.GetOutputText());
        Assert.Equal(ResponseStatus.Completed, response.Status);
        Assert.Equal("gpt-4o", response.Model);
        Assert.Equal(ResponseServiceTier.Default, response.ServiceTier);
        Assert.Equal(input, response.Usage.InputTokenCount);
        Assert.Equal(5, response.Usage.OutputTokenCount);
        Assert.Equal(input + 5, response.Usage.TotalTokenCount);
        Assert.Equal(2, response.Usage.InputTokenDetails.CachedTokenCount);
        Assert.Equal(1, response.Usage.OutputTokenDetails.ReasoningTokenCount);
        var call = Assert.Single(server.Meter.Calls);
        Assert.Equal((FakeEndpoints.Responses, response.Id, input, 5, 2, 1), (call.Endpoint, call.ResponseId, call.PromptTokens, call.CompletionTokens, call.CachedTokens, call.ReasoningTokens));
        Assert.Equal(FakeMeter.PriceOf("gpt-4o", input, 2, 5), server.Meter.TotalBilledUsd);
        Assert.Equal(FakeMeter.MicrosOf(call.CostUsd), server.Meter.TotalBilledMicros);
    }

    [Fact]
    public async Task CreateResponseStreamingAsync_SplitSse_ReassemblesTextAndTheCompletedUsage()
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { SplitSse = true, SplitSeed = 11 }, Ct);
        var text = new StringBuilder();
        var sequence = new List<int>();
        ResponseResult? completed = null;

        await using (var stream = await Client(server).CreateResponseStreamingAsync("gpt-4o-mini", "Hello", cancellationToken: Ct))
        {
            await foreach (var update in stream)
            {
                sequence.Add(update.SequenceNumber);
                switch (update)
                {
                    case StreamingResponseOutputTextDeltaUpdate delta:
                        text.Append(delta.Delta);
                        break;
                    case StreamingResponseCompletedUpdate done:
                        completed = done.Response;
                        break;
                }
            }
        }

        Assert.Equal(FakeBehavior.DefaultContentText, text.ToString());
        Assert.Equal(Enumerable.Range(0, sequence.Count), sequence);
        Assert.NotNull(completed);
        Assert.Equal(ResponseStatus.Completed, completed.Status);
        Assert.Equal(FakeBehavior.DefaultContentText, completed.GetOutputText());
        Assert.Equal(8, completed.Usage.InputTokenCount);
        Assert.Equal(5, completed.Usage.OutputTokenCount);
        var call = Assert.Single(server.Meter.Calls);
        Assert.True(call.Stream);
        Assert.Equal(FakeMeter.PriceOf("gpt-4o-mini", 8, 0, 5), server.Meter.TotalBilledUsd);
    }

    [Theory]
    [InlineData(FakeResponsesTerminal.Completed)]
    [InlineData(FakeResponsesTerminal.Incomplete)]
    [InlineData(FakeResponsesTerminal.Failed)]
    public async Task Stream_NamesEveryEvent_AndEndsWithTheTerminalEventCarryingUsage_WithoutDone(string terminal)
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { ResponsesTerminal = terminal }, Ct);
        using var http = new HttpClient();

        using var response = await FakeApi.PostAsync(http, new Uri(server.BaseUrl, "responses"), """{"model":"gpt-4o","input":"Hello","stream":true}""");
        var body = await response.Content.ReadAsStringAsync(Ct);
        var events = FakeApi.ParseSse(body);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("[DONE]", body, StringComparison.Ordinal);
        Assert.Equal(
            ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"],
            events.Take(4).Select(e => e.Event));
        Assert.Equal(["response.output_text.done", "response.content_part.done", "response.output_item.done", $"response.{terminal}"],
            events.TakeLast(4).Select(e => e.Event));
        for (var i = 0; i < events.Count; i++)
        {
            using var doc = JsonDocument.Parse(events[i].Data);
            Assert.Equal(events[i].Event, doc.RootElement.GetProperty("type").GetString());
            Assert.Equal(i, doc.RootElement.GetProperty("sequence_number").GetInt32());
        }

        using var last = JsonDocument.Parse(events[^1].Data);
        var final = last.RootElement.GetProperty("response");
        Assert.Equal(terminal, final.GetProperty("status").GetString());
        Assert.Equal(8, final.GetProperty("usage").GetProperty("input_tokens").GetInt32());
        Assert.Equal(5, final.GetProperty("usage").GetProperty("output_tokens").GetInt32());
        Assert.Equal(terminal == FakeResponsesTerminal.Failed ? "server_error" : null,
            final.GetProperty("error").ValueKind == JsonValueKind.Null ? null : final.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(terminal == FakeResponsesTerminal.Incomplete ? "max_output_tokens" : null,
            final.GetProperty("incomplete_details").ValueKind == JsonValueKind.Null ? null : final.GetProperty("incomplete_details").GetProperty("reason").GetString());
        using var created = JsonDocument.Parse(events[0].Data);
        Assert.Equal("in_progress", created.RootElement.GetProperty("response").GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, created.RootElement.GetProperty("response").GetProperty("usage").ValueKind);
        Assert.Equal(FakeMeter.PriceOf("gpt-4o", 8, 0, 5), server.Meter.TotalBilledUsd);
    }

    [Theory]
    [InlineData(FakeResponsesTerminal.Incomplete)]
    [InlineData(FakeResponsesTerminal.Failed)]
    public async Task CreateResponseStreamingAsync_IncompleteOrFailed_TheSdkReadsTheTerminalUsage(string terminal)
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { ResponsesTerminal = terminal }, Ct);
        ResponseResult? final = null;

        await using (var stream = await Client(server).CreateResponseStreamingAsync("gpt-4o", "Hello", cancellationToken: Ct))
        {
            await foreach (var update in stream)
            {
                final = update switch
                {
                    StreamingResponseIncompleteUpdate incomplete => incomplete.Response,
                    StreamingResponseFailedUpdate failed => failed.Response,
                    _ => final,
                };
            }
        }

        Assert.NotNull(final);
        Assert.Equal(terminal == FakeResponsesTerminal.Failed ? ResponseStatus.Failed : ResponseStatus.Incomplete, final.Status);
        Assert.Equal(8, final.Usage.InputTokenCount);
        Assert.Equal(5, final.Usage.OutputTokenCount);
        Assert.Equal(1, server.Meter.BilledRequests);
    }

    [Fact]
    public async Task PreviousResponseId_AddsThePreviousInputAndOutput_AndAnUnknownIdIsRejected()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var client = Client(server);

        ResponseResult first = await client.CreateResponseAsync("gpt-4o", "Hello", cancellationToken: Ct);
        ResponseResult second = await client.CreateResponseAsync("gpt-4o", "Hello", previousResponseId: first.Id, cancellationToken: Ct);

        Assert.Equal(first.Id, second.PreviousResponseId);
        Assert.Equal(8 + 8 + 5, second.Usage.InputTokenCount);
        Assert.Equal(8 + 8 + 5, server.Meter.Calls[1].PromptTokens);

        using var http = new HttpClient();
        var (status, json) = await FakeApi.PostJsonAsync(
            http, new Uri(server.BaseUrl, "responses"), """{"model":"gpt-4o","input":"Hello","previous_response_id":"resp_unknown"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("previous_response_not_found", json.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("previous_response_id", json.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(2, server.Meter.BilledRequests);
    }

    [Fact]
    public async Task Conversation_AddsConversationTokens_AndIsEchoed()
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { ConversationTokens = 777 }, Ct);
        using var http = new HttpClient();

        var (status, json) = await FakeApi.PostJsonAsync(
            http, new Uri(server.BaseUrl, "responses"), """{"model":"gpt-4o","input":"Hello","conversation":{"id":"conv_123"}}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(8 + 777, json.GetProperty("usage").GetProperty("input_tokens").GetInt32());
        Assert.Equal("conv_123", json.GetProperty("conversation").GetProperty("id").GetString());
        Assert.Equal(FakeMeter.PriceOf("gpt-4o", 8 + 777, 0, 5), server.Meter.TotalBilledUsd);
    }

    [Fact]
    public async Task WebSearch_Short_MakesOneCall_BillsItsFeeAndResultTokens()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var options = new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("Hello")]) { Tools = { ResponseTool.CreateWebSearchTool() } };

        ResponseResult response = await Client(server).CreateResponseAsync(options, Ct);

        var visible = FakeMeter.CountResponsesInputTokens(Assert.Single(server.Meter.RequestBodies));
        var search = Assert.IsType<WebSearchCallResponseItem>(response.OutputItems[0]);
        Assert.Equal(WebSearchCallStatus.Completed, search.Status);
        Assert.Equal(FakeBehavior.DefaultContentText, response.GetOutputText());
        Assert.Equal(visible + 500, response.Usage.InputTokenCount);
        var call = Assert.Single(server.Meter.Calls);
        Assert.Equal((1, 0.01m), (call.HostedToolCalls, call.ToolFeesUsd));
        Assert.Equal(FakeMeter.PriceOf("gpt-4o", visible + 500, 0, 5) + 0.01m, call.CostUsd);
        Assert.Equal(0.01m, server.Meter.TotalToolFeesUsd);
    }

    [Theory]
    [InlineData(",\"max_tool_calls\":3", 3)]
    [InlineData("", 2)]
    public async Task HostedTools_WorstCase_CallTheDearestToolMaxToolCallsTimes(string maxToolCalls, int calls)
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { OutputMode = FakeOutputMode.WorstCase }, Ct);
        using var http = new HttpClient();
        var body = $$$"""
            {"model":"gpt-4o","input":"Hello","max_output_tokens":100{{{maxToolCalls}}},
             "tools":[{"type":"web_search_preview"},{"type":"code_interpreter","container":{"type":"auto"}},{"type":"file_search","vector_store_ids":["vs_1"]}]}
            """;

        using var response = await FakeApi.PostAsync(http, new Uri(server.BaseUrl, "responses"), body);
        var json = await response.Content.ReadAsStringAsync(Ct);

        // The SDK parses every item the fake emits.
        var result = ModelReaderWriter.Read<ResponseResult>(BinaryData.FromString(json), ModelReaderWriterOptions.Json, OpenAIContext.Default)!;
        Assert.Equal(calls, result.OutputItems.OfType<CodeInterpreterCallResponseItem>().Count());
        Assert.IsAssignableFrom<MessageResponseItem>(result.OutputItems[^1]);
        var visible = FakeMeter.CountResponsesInputTokens(body);
        Assert.Equal(visible + (calls * 500), result.Usage.InputTokenCount);
        Assert.Equal(100, result.Usage.OutputTokenCount);
        var call = Assert.Single(server.Meter.Calls);
        Assert.Equal((calls, calls * 0.03m), (call.HostedToolCalls, call.ToolFeesUsd));
        Assert.Equal(FakeMeter.PriceOf("gpt-4o", visible + (calls * 500), 0, 100) + (calls * 0.03m), server.Meter.TotalBilledUsd);
    }

    [Fact]
    public async Task HostedTools_Stream_EmitTheirItemsAndProgressEvents_AndTheSdkParsesThem()
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { HostedToolFeesUsd = new Dictionary<string, decimal> { ["file_search"] = 0.005m } }, Ct);
        var options = new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("Hello")])
        {
            Tools = { ResponseTool.CreateFileSearchTool(["vs_1"]) },
            StreamingEnabled = true,
        };
        var kinds = new List<string>();
        ResponseResult? completed = null;

        await using (var stream = await Client(server).CreateResponseStreamingAsync(options, Ct))
        {
            await foreach (var update in stream)
            {
                kinds.Add(update.Kind.ToString());
                completed = (update as StreamingResponseCompletedUpdate)?.Response ?? completed;
            }
        }

        Assert.Contains("response.file_search_call.searching", kinds);
        Assert.NotNull(completed);
        Assert.IsType<FileSearchCallResponseItem>(completed.OutputItems[0]);
        Assert.Equal(0.005m, Assert.Single(server.Meter.Calls).ToolFeesUsd);
    }

    [Fact]
    public async Task WorstCase_WithoutMaxOutputTokens_BillsTheModelsMaxOutput()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();

        var (_, json) = await FakeApi.PostJsonAsync(http, new Uri(server.BaseUrl, "responses"), HelloBody, FakeApi.Output("WorstCase"));

        Assert.Equal(16_384, json.GetProperty("usage").GetProperty("output_tokens").GetInt32());
        Assert.Equal(FakeMeter.PriceOf("gpt-4o", 8, 0, 16_384), server.Meter.TotalBilledUsd);
    }

    [Fact]
    public async Task Background_IsQueuedAndBilledAtOnce_ThenPolledInProgress_ThenCompletedWithUsage()
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { BackgroundPolls = 2 }, Ct);
        var client = Client(server);
        var options = new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("Hello")]) { BackgroundModeEnabled = true };

        ResponseResult queued = await client.CreateResponseAsync(options, Ct);

        Assert.Equal(ResponseStatus.Queued, queued.Status);
        Assert.Null(queued.Usage);
        Assert.Equal(1, server.Meter.BilledRequests);
        Assert.Equal(ResponseStatus.InProgress, (await client.GetResponseAsync(queued.Id, Ct)).Value.Status);
        Assert.Equal(ResponseStatus.InProgress, (await client.GetResponseAsync(queued.Id, Ct)).Value.Status);
        ResponseResult done = await client.GetResponseAsync(queued.Id, Ct);
        Assert.Equal(ResponseStatus.Completed, done.Status);
        Assert.Equal(FakeBehavior.DefaultContentText, done.GetOutputText());
        Assert.Equal(8, done.Usage.InputTokenCount);
        Assert.Equal(1, server.Meter.BilledRequests);
        Assert.Equal(4, server.Meter.TotalRequests);
    }

    [Fact]
    public async Task Cancel_StopsARunningBackgroundResponse_WhichStaysBilled()
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { BackgroundPolls = 5 }, Ct);
        var client = Client(server);
        using var http = new HttpClient();
        ResponseResult plain = await client.CreateResponseAsync("gpt-4o", "Hello", cancellationToken: Ct);
        ResponseResult queued = await client.CreateResponseAsync(
            new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("Hello")]) { BackgroundModeEnabled = true }, Ct);

        ResponseResult cancelled = await client.CancelResponseAsync(queued.Id, Ct);

        Assert.Equal(ResponseStatus.Cancelled, cancelled.Status);
        Assert.Equal(ResponseStatus.Cancelled, (await client.GetResponseAsync(queued.Id, Ct)).Value.Status);
        Assert.Equal(ResponseStatus.Completed, (await client.GetResponseAsync(plain.Id, Ct)).Value.Status);
        var (notBackground, _) = await FakeApi.PostJsonAsync(http, new Uri(server.BaseUrl, $"responses/{plain.Id}/cancel"), "{}");
        Assert.Equal(HttpStatusCode.BadRequest, notBackground);
        var (unknown, error) = await FakeApi.GetJsonAsync(http, new Uri(server.BaseUrl, "responses/resp_nope"));
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.True(error.GetProperty("error").TryGetProperty("message", out _));
        Assert.Equal(2, server.Meter.BilledRequests);
    }

    [Fact]
    public async Task OmitUsage_AnswersNoUsageButBills()
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { OmitUsage = true }, Ct);
        using var http = new HttpClient();

        var (_, json) = await FakeApi.PostJsonAsync(http, new Uri(server.Root, "responses"), HelloBody);

        Assert.Equal(JsonValueKind.Null, json.GetProperty("usage").ValueKind);
        Assert.Equal(FakeMeter.PriceOf("gpt-4o", 8, 0, 5), server.Meter.TotalBilledUsd);
    }

    [Fact]
    public async Task Failures_RateLimitIsNotBilled_ACutStreamIsBilledWithoutTerminalEvent()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();
        var url = new Uri(server.BaseUrl, "responses");

        var (status, _) = await FakeApi.PostJsonAsync(http, url, HelloBody, FakeApi.Failure("RateLimit429"));
        using var cut = await FakeApi.PostAsync(
            http, url, """{"model":"gpt-4o","input":"Hello","stream":true}""", FakeApi.Failure("CutStreamMidway"), HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await cut.Content.ReadAsStreamAsync(Ct);
        using var received = new MemoryStream();
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => stream.CopyToAsync(received, Ct));

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.True(ex is IOException or HttpRequestException, ex.ToString());
        var text = Encoding.UTF8.GetString(received.ToArray());
        Assert.Contains("response.created", text, StringComparison.Ordinal);
        Assert.DoesNotContain("response.completed", text, StringComparison.Ordinal);
        Assert.Equal(FakeFailure.CutStreamMidway, Assert.Single(server.Meter.Calls).Failure);
    }

    [Theory]
    [InlineData("""{"model":"gpt-9","input":"Hi"}""", HttpStatusCode.NotFound, "model_not_found")]
    [InlineData("""{"model":"text-embedding-3-small","input":"Hi"}""", HttpStatusCode.NotFound, null)]
    [InlineData("""{"model":"gpt-4o","input":"Hi","max_output_tokens":5}""", HttpStatusCode.BadRequest, "invalid_value")]
    [InlineData("""{"model":"gpt-4o","input":42}""", HttpStatusCode.BadRequest, "invalid_type")]
    [InlineData("""{"input":"Hi"}""", HttpStatusCode.BadRequest, "missing_required_parameter")]
    public async Task InvalidRequests_AnswerOpenAIErrorsAndAreNotBilled(string body, HttpStatusCode expected, string? code)
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();

        var (status, json) = await FakeApi.PostJsonAsync(http, new Uri(server.BaseUrl, "responses"), body);

        Assert.Equal(expected, status);
        Assert.Equal(code, json.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(0, server.Meter.BilledRequests);
    }
}
