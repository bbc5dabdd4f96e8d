using System.Text;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;
using OpenAI.Responses;

#pragma warning disable OPENAI001 // The Responses API is marked experimental in the SDK.

namespace AgentGuard.Http.Tests.Responses;

/// <summary>The Responses API through the official SDK's <see cref="ResponsesClient"/>, guarded, against the fake server.</summary>
public sealed class ResponsesEndToEndTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ResponsesClient Client(GuardHarness h) => h.OpenAI.GetResponsesClient();

    private static void WithToolFees(AgentGuardOptions options)
    {
        foreach (var (tool, fee) in FakeBehavior.DefaultHostedToolFeesUsd)
        {
            options.HostedToolFees[tool] = fee;
        }
    }

    [Fact]
    public async Task CreateResponseAsync_Json_SettlesAtWhatTheServerBilledAndRemembersTheTokens()
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { CachedTokens = 3, ReasoningTokens = 2 });
        var options = new CreateResponseOptions("gpt-5-mini", [ResponseItem.CreateUserMessageItem("Hello there")]) { Instructions = "Be brief." };

        ResponseResult response = await Client(h).CreateResponseAsync(options, Ct);

        Assert.Equal(FakeBehavior.DefaultContentText, response.GetOutputText());
        Assert.Equal(1, h.Meter.BilledRequests);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
        Assert.Equal(h.Session.GetTotalSpent(), h.Session.GetSummary().SpendByModel["gpt-5-mini"]);
        Assert.True(h.Session.ResponseTokens.TryGet(response.Id, out long tokens));
        Assert.Equal(response.Usage.InputTokenCount + response.Usage.OutputTokenCount, tokens);
        Assert.Empty(h.Errors);
    }

    [Fact]
    public async Task CreateResponse_Sync_SettlesAtWhatTheServerBilled()
    {
        await using var h = await GuardHarness.StartAsync();

        ResponseResult response = Client(h).CreateResponse("gpt-4o-mini", "Hello", cancellationToken: Ct);

        Assert.Equal(FakeBehavior.DefaultContentText, response.GetOutputText());
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CreateResponseStreamingAsync_SettlesFromTheCompletedEvent(bool split)
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { SplitSse = split, SplitSeed = 5 });

        var text = new StringBuilder();
        await foreach (var update in await Client(h).CreateResponseStreamingAsync("gpt-4o-mini", "Stream please", cancellationToken: Ct))
        {
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                text.Append(delta.Delta);
            }
        }

        Assert.Equal(FakeBehavior.DefaultContentText, text.ToString());
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
        Assert.Single(h.Meter.Calls);
    }

    [Fact]
    public async Task RawHttpClient_GarbledSplitStream_PassesEveryByteAndSettlesFromTheCompletedEvent()
    {
        // Broken JSON that looks like usage, comments and unknown fields between events (the SDK itself rejects them).
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { SplitSse = true, SplitSeed = 9, GarbleSse = true });
        const string Body = """{"model":"gpt-4o-mini","input":"Hello","stream":true}""";

        using var request = new HttpRequestMessage(HttpMethod.Post, "responses") { Content = ChatBodies.Json(Body) };
        using var response = await h.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        string events = await response.Content.ReadAsStringAsync(Ct);

        Assert.Contains("event: response.completed", events, StringComparison.Ordinal);
        Assert.Contains("data: {not json at all", events, StringComparison.Ordinal);
        Assert.Equal(Body, Assert.Single(h.Meter.RequestBodies));
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Fact]
    public async Task CreateResponseStreamingAsync_ALongResponse_SettlesFromATerminalEventFarLongerThanAChatLine()
    {
        // The terminal event carries the whole text again: about 200 KB on one line.
        string longText = string.Concat(Enumerable.Repeat("Grüße, 世界! ", 15_000));
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { ContentText = longText });

        var text = new StringBuilder();
        await foreach (var update in await Client(h).CreateResponseStreamingAsync("gpt-4o-mini", "Write a lot", cancellationToken: Ct))
        {
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                text.Append(delta.Delta);
            }
        }

        Assert.Equal(longText, text.ToString());
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.DoesNotContain(h.Logs.GetSnapshot(), r => r.Message.Contains("charged_in_full", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(FakeResponsesTerminal.Incomplete, false)]
    [InlineData(FakeResponsesTerminal.Failed, false)]
    [InlineData(FakeResponsesTerminal.Incomplete, true)]
    [InlineData(FakeResponsesTerminal.Failed, true)]
    public async Task TerminalStatesOtherThanCompleted_SettleFromTheirUsage(string terminal, bool stream)
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { ResponsesTerminal = terminal });

        if (stream)
        {
            await foreach (var update in await Client(h).CreateResponseStreamingAsync("gpt-4o-mini", "Hi", cancellationToken: Ct))
            {
            }
        }
        else
        {
            await Client(h).CreateResponseAsync("gpt-4o-mini", "Hi", cancellationToken: Ct);
        }

        Assert.Equal(1, h.Meter.BilledRequests);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Fact]
    public async Task CreateResponseStreamingAsync_BreakingOutEarly_ChargesTheReservationInFull()
    {
        await using var h = await GuardHarness.StartAsync();

        await foreach (var update in await Client(h).CreateResponseStreamingAsync("gpt-4o-mini", "Stream please", cancellationToken: Ct))
        {
            break;
        }

        // Nothing told the guard what the call cost, so it keeps what it reserved: more than the server billed.
        Assert.Equal(0, h.ReservedMicros);
        Assert.True(h.SpentMicros > h.Meter.TotalBilledMicros, $"spent {h.SpentMicros} should exceed billed {h.Meter.TotalBilledMicros}");
        Assert.Contains(h.Logs.GetSnapshot(), r => r.Message.Contains("charged_in_full", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CreateResponseStreamingAsync_CutMidway_ChargesTheReservationInFull()
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { Failure = FakeFailure.CutStreamMidway });

        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await foreach (var update in await Client(h).CreateResponseStreamingAsync("gpt-4o-mini", "Stream please", cancellationToken: Ct))
            {
            }
        });

        Assert.Equal(0, h.ReservedMicros);
        Assert.True(h.SpentMicros > h.Meter.TotalBilledMicros);
    }

    [Fact]
    public async Task WorstCaseServer_ManyCallsOnASmallBudget_NeverBillMoreThanTheBudget()
    {
        const decimal Budget = 0.02m;
        await using var h = await GuardHarness.StartAsync(budgetUsd: Budget, behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase });
        var client = Client(h);
        int succeeded = 0, refused = 0;

        for (int i = 0; i < 400 && refused == 0; i++)
        {
            // Mostly capped calls, some uncapped (reserved for 16,384 output tokens), half of them streamed.
            var options = new CreateResponseOptions("gpt-4o-mini", [ResponseItem.CreateUserMessageItem($"Question {i}: héllo 世界")])
            {
                MaxOutputTokenCount = i % 10 == 9 ? null : 300,
                Instructions = i % 3 == 0 ? "Answer at length." : null,
                StreamingEnabled = i % 2 == 1,
            };
            try
            {
                if (i % 2 == 0)
                {
                    await client.CreateResponseAsync(options, Ct);
                }
                else
                {
                    await foreach (var update in await client.CreateResponseStreamingAsync(options, Ct))
                    {
                    }
                }

                succeeded++;
            }
            catch (BudgetExceededException)
            {
                refused++;
            }

            Assert.True(h.Meter.TotalBilledMicros <= GuardHarness.ToMicros(Budget), $"the server billed {h.Meter.TotalBilledMicros} micro-dollars");
            Assert.True(h.SpentMicros >= h.Meter.TotalBilledMicros, $"the session reports {h.SpentMicros}, the server billed {h.Meter.TotalBilledMicros}");
        }

        Assert.True(succeeded > 10, $"{succeeded} calls succeeded");
        Assert.Equal(1, refused);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
        Assert.Empty(h.Errors);
    }

    [Fact]
    public async Task WorstCaseServer_HostedToolCalls_NeverBillMoreThanTheBudget()
    {
        const decimal Budget = 0.5m;
        await using var h = await GuardHarness.StartAsync(budgetUsd: Budget, configure: WithToolFees, behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase });
        var client = Client(h);
        int succeeded = 0;

        for (int i = 0; i < 100; i++)
        {
            var options = new CreateResponseOptions("gpt-4o-mini", [ResponseItem.CreateUserMessageItem("Search the web and the files")])
            {
                MaxOutputTokenCount = 200,
                MaxToolCallCount = 1 + (i % 3),
                Tools = { ResponseTool.CreateWebSearchTool(), ResponseTool.CreateFileSearchTool(["vs_1"]) },
            };
            try
            {
                await client.CreateResponseAsync(options, Ct);
                succeeded++;
            }
            catch (BudgetExceededException)
            {
                break;
            }

            Assert.True(h.Meter.TotalBilledMicros <= GuardHarness.ToMicros(Budget));
        }

        Assert.True(succeeded > 5, $"{succeeded} calls succeeded");
        Assert.True(h.Meter.TotalToolFeesUsd > 0m);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
        Assert.Empty(h.Errors);
    }

    [Fact]
    public async Task HostedTools_SettleWithTheirFees()
    {
        await using var h = await GuardHarness.StartAsync(configure: WithToolFees);
        var options = new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("What happened today?")])
        {
            MaxOutputTokenCount = 500,
            MaxToolCallCount = 2,
            Tools = { ResponseTool.CreateWebSearchTool() },
        };

        ResponseResult response = await Client(h).CreateResponseAsync(options, Ct);

        Assert.Contains(response.OutputItems, item => item is WebSearchCallResponseItem);
        var call = Assert.Single(h.Meter.Calls);
        Assert.Equal(1, call.HostedToolCalls);
        Assert.Equal(0.01m, call.ToolFeesUsd);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);

        // Its tools' last results enter a continuation's context uncounted: a continuation is bounded as unknown.
        Assert.False(h.Session.ResponseTokens.TryGet(response.Id, out _));
    }

    [Fact]
    public async Task HostedTools_WithoutMaxToolCalls_AreRefusedBeforeSending()
    {
        await using var h = await GuardHarness.StartAsync(configure: WithToolFees);
        var options = new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("Search")]) { Tools = { ResponseTool.CreateWebSearchTool() } };

        var refusal = await Assert.ThrowsAsync<UnboundedRequestException>(() => Client(h).CreateResponseAsync(options, Ct));

        Assert.Equal(UnboundedRequestReason.UnboundedToolUse, refusal.Reason);
        Assert.Contains("without max_tool_calls (web_search)", refusal.Message);
        Assert.Equal(0, h.Meter.TotalRequests);
        Assert.Equal(1, h.Session.GetSummary().RefusedCalls);
    }

    [Fact]
    public async Task HostedTools_WithoutMaxToolCalls_AreBoundedByTheAssumedCountWhenAllowed()
    {
        await using var h = await GuardHarness.StartAsync(
            configure: o => { WithToolFees(o); o.RequireMaxToolCalls = false; o.AssumedMaxToolCalls = 2; },
            behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase, HostedToolCalls = 2 });
        var options = new CreateResponseOptions("gpt-4o-mini", [ResponseItem.CreateUserMessageItem("Search")])
        {
            MaxOutputTokenCount = 100,
            Tools = { ResponseTool.CreateWebSearchTool() },
        };

        await Client(h).CreateResponseAsync(options, Ct);

        Assert.Equal(2, Assert.Single(h.Meter.Calls).HostedToolCalls);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task HostedTools_WithoutAFee_AreRefusedBeforeSending()
    {
        await using var h = await GuardHarness.StartAsync();
        var options = new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("Run code")])
        {
            MaxToolCallCount = 1,
            Tools = { ResponseTool.CreateCodeInterpreterTool(new CodeInterpreterToolContainer(new AutomaticCodeInterpreterToolContainerConfiguration())) },
        };

        var refusal = await Assert.ThrowsAsync<UnboundedRequestException>(() => Client(h).CreateResponseAsync(options, Ct));

        Assert.Equal(UnboundedRequestReason.UnboundedToolUse, refusal.Reason);
        Assert.Contains("AgentGuardOptions.HostedToolFees[\"code_interpreter\"] = 0.01m", refusal.Message);
        Assert.Equal(0, h.Meter.TotalRequests);
    }

    [Fact]
    public async Task PreviousResponseId_Chain_SettlesEveryTurnAndRemembersTheLast()
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase });
        var client = Client(h);
        string? previous = null;

        for (int turn = 0; turn < 4; turn++)
        {
            var options = new CreateResponseOptions("gpt-4o-mini", [ResponseItem.CreateUserMessageItem($"Turn {turn}")]) { MaxOutputTokenCount = 50, PreviousResponseId = previous, StreamingEnabled = turn % 2 == 1 };
            ResponseResult response = turn % 2 == 0 ? await client.CreateResponseAsync(options, Ct) : await StreamToEndAsync(client, options);
            previous = response.Id;
        }

        var calls = h.Meter.Calls;
        Assert.Equal(4, calls.Count);
        Assert.True(calls[3].PromptTokens > calls[2].PromptTokens + calls[2].CompletionTokens, "each turn's input holds the turns before it");
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.True(h.Session.ResponseTokens.TryGet(previous!, out long tokens));
        Assert.Equal(calls[3].PromptTokens + calls[3].CompletionTokens, tokens);
        Assert.Empty(h.Errors);
    }

    [Fact]
    public async Task PreviousResponseId_KnownToTheBudget_IsBoundedByItsTokensNotAWindow()
    {
        // A window of gpt-4o-mini input (128,000 x 0.15 = 19,200 micro-dollars) does not fit: only the known tokens do.
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.01m);
        var client = Client(h);
        string? previous = null;

        for (int turn = 0; turn < 3; turn++)
        {
            var options = new CreateResponseOptions("gpt-4o-mini", [ResponseItem.CreateUserMessageItem($"Turn {turn}")]) { MaxOutputTokenCount = 50, PreviousResponseId = previous };
            previous = (await client.CreateResponseAsync(options, Ct)).Value.Id;
        }

        Assert.Equal(3, h.Meter.BilledRequests);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task PreviousResponseId_UnknownToTheBudget_IsBoundedByAWholeInputWindow()
    {
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.01m);
        var options = new CreateResponseOptions("gpt-4o-mini", [ResponseItem.CreateUserMessageItem("And then?")]) { MaxOutputTokenCount = 50, PreviousResponseId = "resp_from_elsewhere" };

        var refusal = await Assert.ThrowsAsync<BudgetExceededException>(() => Client(h).CreateResponseAsync(options, Ct));

        // 128,000 input tokens at 0.15 plus 50 output tokens at 0.6.
        Assert.Equal(0.019230m, refusal.RequiredUsd);
        Assert.Equal(0, h.Meter.TotalRequests);
    }

    [Fact]
    public async Task Conversation_IsBoundedByAWholeInputWindow_AndSettlesAtWhatTheServerBilled()
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { ConversationTokens = 2_000 });
        const string Body = """{"model":"gpt-4o-mini","input":"Continue","conversation":"conv_1","max_output_tokens":20}""";

        using var response = await h.Http.PostAsync("responses", ChatBodies.Json(Body), Ct);

        response.EnsureSuccessStatusCode();
        Assert.True(Assert.Single(h.Meter.Calls).PromptTokens > 2_000);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Contains(h.Logs.GetSnapshot(), r => r.Message.Contains("128000 input", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Background_SettlesWhenARetrievalShowsItEnded()
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { BackgroundPolls = 2 });
        var client = Client(h);
        var options = new CreateResponseOptions("gpt-4o-mini", [ResponseItem.CreateUserMessageItem("Take your time")]) { BackgroundModeEnabled = true, MaxOutputTokenCount = 100 };

        ResponseResult created = await client.CreateResponseAsync(options, Ct);

        Assert.Equal(ResponseStatus.Queued, created.Status);
        Assert.True(h.ReservedMicros > 0);
        Assert.Equal(0, h.SpentMicros);
        Assert.True(h.Session.BackgroundResponses.Contains(created.Id));

        for (int poll = 0; poll < 2; poll++)
        {
            ResponseResult running = await client.GetResponseAsync(created.Id, Ct);
            Assert.Equal(ResponseStatus.InProgress, running.Status);
            Assert.True(h.ReservedMicros > 0);
        }

        ResponseResult done = await client.GetResponseAsync(created.Id, Ct);

        Assert.Equal(ResponseStatus.Completed, done.Status);
        Assert.Equal(FakeBehavior.DefaultContentText, done.GetOutputText());
        Assert.Equal(0, h.ReservedMicros);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.False(h.Session.BackgroundResponses.Contains(created.Id));
        Assert.True(h.Session.ResponseTokens.TryGet(created.Id, out _));

        // Later retrievals are not the guard's business any more.
        await client.GetResponseAsync(created.Id, Ct);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task Background_Sync_SettlesWhenARetrievalShowsItEnded()
    {
        await using var h = await GuardHarness.StartAsync();
        var client = Client(h);

        ResponseResult created = client.CreateResponse(new CreateResponseOptions("gpt-4o-mini", [ResponseItem.CreateUserMessageItem("Later")]) { BackgroundModeEnabled = true }, Ct);
        ResponseResult done = client.GetResponse(created.Id, Ct);

        Assert.Equal(ResponseStatus.Completed, done.Status);
        Assert.Equal(0, h.ReservedMicros);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task Background_Cancelled_IsChargedInFull()
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { BackgroundPolls = 5 });
        var client = Client(h);
        ResponseResult created = await client.CreateResponseAsync(new CreateResponseOptions("gpt-4o-mini", [ResponseItem.CreateUserMessageItem("Later")]) { BackgroundModeEnabled = true, MaxOutputTokenCount = 100 }, Ct);
        long reserved = h.ReservedMicros;

        await client.CancelResponseAsync(created.Id, Ct);
        ResponseResult cancelled = await client.GetResponseAsync(created.Id, Ct);

        Assert.Equal(ResponseStatus.Cancelled, cancelled.Status);
        Assert.Equal(0, h.ReservedMicros);
        Assert.Equal(reserved, h.SpentMicros);
    }

    [Fact]
    public async Task Background_LeaseExpiredBeforeTheRetrieval_IsChargedInFullThenRefundedToWhatItBilled()
    {
        var time = new FakeTimeProvider();
        await using var h = await GuardHarness.StartAsync(time: time, configure: o => o.BackgroundLeaseDuration = TimeSpan.FromMinutes(5));
        var client = Client(h);
        ResponseResult created = await client.CreateResponseAsync(new CreateResponseOptions("gpt-4o-mini", [ResponseItem.CreateUserMessageItem("Later")]) { BackgroundModeEnabled = true, MaxOutputTokenCount = 100 }, Ct);
        long reserved = h.ReservedMicros;

        time.Advance(TimeSpan.FromMinutes(6));

        Assert.Equal(0, h.ReservedMicros);
        Assert.Equal(reserved, h.SpentMicros);

        await client.GetResponseAsync(created.Id, Ct);

        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task Background_Streamed_SettlesFromItsStream()
    {
        await using var h = await GuardHarness.StartAsync();
        var options = new CreateResponseOptions("gpt-4o-mini", [ResponseItem.CreateUserMessageItem("Stream it")]) { BackgroundModeEnabled = true, MaxOutputTokenCount = 100, StreamingEnabled = true };

        await StreamToEndAsync(Client(h), options);

        Assert.Equal(0, h.ReservedMicros);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0, h.Session.BackgroundResponses.Count);
    }

    [Fact]
    public async Task DefaultMaxOutputTokens_IsWrittenAsMaxOutputTokens()
    {
        await using var h = await GuardHarness.StartAsync(configure: o => o.DefaultMaxOutputTokens = 64, behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase });

        await Client(h).CreateResponseAsync("gpt-4o-mini", "Hello", cancellationToken: Ct);

        Assert.Contains("\"max_output_tokens\":64", Assert.Single(h.Meter.RequestBodies), StringComparison.Ordinal);
        Assert.Equal(64, Assert.Single(h.Meter.Calls).CompletionTokens);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task ClampOutputToBudget_LowersMaxOutputTokensToWhatTheBudgetAffords()
    {
        // 16,384 output tokens of gpt-4o cost 163,840 micro-dollars: a tenth of a dollar affords fewer.
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.1m, configure: o => o.ClampOutputToBudget = true, behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase });

        await Client(h).CreateResponseAsync("gpt-4o", "Write an essay", cancellationToken: Ct);

        var call = Assert.Single(h.Meter.Calls);
        Assert.InRange(call.CompletionTokens, 256, 10_000);
        Assert.Contains($"\"max_output_tokens\":{call.CompletionTokens}", Assert.Single(h.Meter.RequestBodies), StringComparison.Ordinal);
        Assert.True(h.SpentMicros <= GuardHarness.ToMicros(0.1m));
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task ImageInputs_AreSettledFromUsage_AndTheWorstCaseServerStaysWithinTheBudget()
    {
        const decimal Budget = 0.02m;
        await using var h = await GuardHarness.StartAsync(budgetUsd: Budget, behavior: FakeBehavior.Default with { OutputMode = FakeOutputMode.WorstCase });
        var inline = ResponseContentPart.CreateInputImagePart(BinaryData.FromBytes(TestImages.Png(1600, 1200), "image/png"), ResponseImageDetailLevel.High);
        var byUrl = ResponseContentPart.CreateInputImagePart(new Uri("https://example.com/cat.png"));

        for (int i = 0; i < 40; i++)
        {
            var options = new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem([ResponseContentPart.CreateInputTextPart("Describe"), i % 2 == 0 ? inline : byUrl])])
            {
                MaxOutputTokenCount = 64,
            };
            try
            {
                await Client(h).CreateResponseAsync(options, Ct);
            }
            catch (BudgetExceededException)
            {
                break;
            }

            Assert.True(h.Meter.TotalBilledUsd <= Budget, $"billed {h.Meter.TotalBilledUsd}");
        }

        Assert.True(h.Meter.BilledRequests >= 2);
        Assert.All(h.Meter.Calls, c => Assert.True(c.ImageTokens > 0));
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task ImageInput_ForAModelWithoutAnImageRule_IsRefusedBeforeSending()
    {
        await using var h = await GuardHarness.StartAsync();
        var options = new CreateResponseOptions("gpt-3.5-turbo", [ResponseItem.CreateUserMessageItem([ResponseContentPart.CreateInputImagePart(new Uri("https://example.com/cat.png"))])]);

        var refusal = await Assert.ThrowsAsync<UnboundedRequestException>(() => Client(h).CreateResponseAsync(options, Ct));

        Assert.Equal(UnboundedRequestReason.UnsupportedContent, refusal.Reason);
        Assert.Contains("no image rule", refusal.Message);
        Assert.Equal(0, h.Meter.TotalRequests);
    }

    private static async Task<ResponseResult> StreamToEndAsync(ResponsesClient client, CreateResponseOptions options)
    {
        ResponseResult? final = null;
        await foreach (var update in await client.CreateResponseStreamingAsync(options, Ct))
        {
            if (update is StreamingResponseCompletedUpdate completed)
            {
                final = completed.Response;
            }
        }

        return final ?? throw new InvalidOperationException("The stream did not complete.");
    }
}
