using System.ClientModel;
using System.Text;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Tests.Shared;
using AgentGuard.Http.Tests.TestSupport;
using OpenAI.Chat;

namespace AgentGuard.Http.Tests.Handler;

/// <summary>Calls that succeed settle at exactly what the server billed, through every way of calling.</summary>
public sealed class ChatCompletionsSettlementTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CompleteChat_Sync_SettlesAtWhatTheServerBilled()
    {
        await using var h = await GuardHarness.StartAsync();

        ChatCompletion completion = h.Chat().CompleteChat([new UserChatMessage("Hello there")], cancellationToken: Ct);

        Assert.Equal(FakeBehavior.DefaultContentText, completion.Content[0].Text);
        Assert.Equal(1, h.Meter.BilledRequests);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
        Assert.Equal(1, h.Session.GetSummary().Calls);
    }

    [Fact]
    public async Task CompleteChatAsync_SettlesAtWhatTheServerBilled()
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { CachedTokens = 3, ReasoningTokens = 2 });

        ChatCompletion completion = await h.Chat("gpt-5-mini").CompleteChatAsync([new UserChatMessage("Hello there, how are you?")], cancellationToken: Ct);

        Assert.Equal(3, completion.Usage.InputTokenDetails.CachedTokenCount);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.True(h.SpentMicros > 0);
        Assert.Equal(0, h.ReservedMicros);
        Assert.Equal(h.Session.GetTotalSpent(), h.Session.GetSummary().SpendByModel["gpt-5-mini"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CompleteChatStreamingAsync_SettlesFromTheUsageChunk(bool splitSse)
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { SplitSse = splitSse, SplitSeed = 7 });

        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in h.Chat().CompleteChatStreamingAsync([new UserChatMessage("Stream please")], cancellationToken: Ct))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            usage ??= update.Usage;
        }

        Assert.Equal(FakeBehavior.DefaultContentText, text.ToString());
        Assert.NotNull(usage);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Fact]
    public async Task CompleteChatStreaming_Sync_SettlesFromTheUsageChunk()
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { SplitSse = true, SplitSeed = 3 });

        var text = new StringBuilder();
        foreach (var update in h.Chat("gpt-4.1-nano").CompleteChatStreaming([new UserChatMessage("Stream please")], cancellationToken: Ct))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
        }

        Assert.Equal(FakeBehavior.DefaultContentText, text.ToString());
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Fact]
    public async Task CompleteChatStreamingAsync_BreakingOutEarly_ChargesTheReservationInFull()
    {
        await using var h = await GuardHarness.StartAsync();

        await foreach (var update in h.Chat().CompleteChatStreamingAsync([new UserChatMessage("Stream please")], cancellationToken: Ct))
        {
            break;
        }

        // Nothing told the guard what the call cost, so it keeps what it reserved: more than the server billed.
        Assert.Equal(0, h.ReservedMicros);
        Assert.True(h.SpentMicros > h.Meter.TotalBilledMicros, $"spent {h.SpentMicros} should exceed billed {h.Meter.TotalBilledMicros}");
        Assert.Contains(h.Logs.GetSnapshot(), r => r.Message.Contains("charged_in_full", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProtocolMethod_WithNMaxTokensToolsAndNames_NeverSettlesAboveItsReservation()
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase });
        const string body = """
            {"model":"gpt-4o","n":3,"max_tokens":120,
             "messages":[{"role":"system","content":"You are terse."},{"role":"user","name":"alice","content":"Weather in Paris? 天气"},
                         {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]},
                         {"role":"tool","tool_call_id":"c1","content":"18C and sunny"}],
             "tools":[{"type":"function","function":{"name":"weather","description":"Gets the weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
             "prediction":{"type":"content","content":"It is 18C and sunny in Paris."}}
            """;

        ClientResult result = await h.Chat("gpt-4o").CompleteChatAsync(BinaryContent.Create(BinaryData.FromString(body)));

        Assert.Equal(200, result.GetRawResponse().Status);
        var call = Assert.Single(h.Meter.Calls);
        Assert.True(call.RejectedPredictionTokens > 0);
        Assert.Equal((3 * 120) + call.RejectedPredictionTokens, call.CompletionTokens);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Empty(h.Errors);
    }

    [Fact]
    public async Task RawHttpClient_StreamWithoutIncludeUsage_IsAskedForUsageAndTheCallerNeverSeesIt()
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { SplitSse = true, SplitSeed = 11 });

        using var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions") { Content = ChatBodies.Json(ChatBodies.Simple(stream: true)) };
        using var response = await h.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        string events = await response.Content.ReadAsStringAsync(Ct);

        Assert.Contains("\"include_usage\":true", Assert.Single(h.Meter.RequestBodies), StringComparison.Ordinal);
        Assert.DoesNotContain("\"choices\":[]", events, StringComparison.Ordinal);
        Assert.DoesNotContain("\"usage\":{", events, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", events, StringComparison.Ordinal);
        Assert.DoesNotContain("\n\n\n", events, StringComparison.Ordinal);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task RawHttpClient_StreamWithIncludeUsage_PassesEveryByteThrough()
    {
        await using var h = await GuardHarness.StartAsync();
        await using var reference = await FakeOpenAIServer.StartAsync(ct: Ct);
        string body = ChatBodies.Simple(stream: true, includeUsage: true);

        using var guarded = await h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(body), Ct);
        using var raw = new HttpClient();
        using var unguarded = await raw.PostAsync(new Uri(reference.BaseUrl, "chat/completions"), ChatBodies.Json(body), Ct);

        string[] Normalize(string sse) => [.. sse.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Replace(l, "\"(id|created)\":(\"[^\"]*\"|\\d+)", ""))];
        Assert.Equal(Normalize(await unguarded.Content.ReadAsStringAsync(Ct)), Normalize(await guarded.Content.ReadAsStringAsync(Ct)));
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task BudgetedSessionOpenAI_WorksLikeTheOfficialClient()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var client = BudgetedSession.OpenAI(budgetUsd: 2m, apiKey: "sk-test", endpoint: server.BaseUrl);

        ChatCompletion completion = client.GetChatClient("gpt-4o-mini").CompleteChat([new UserChatMessage("Hello")], cancellationToken: Ct);

        Assert.Equal(FakeBehavior.DefaultContentText, completion.Content[0].Text);
        Assert.Equal(server.Meter.TotalBilledMicros, GuardHarness.ToMicros(client.Session.GetTotalSpent()));
        Assert.Equal(2m, client.Session.GetBudget());
        Assert.Equal(2m - client.Session.GetTotalSpent(), client.Session.GetRemainingBudget());
    }

    [Fact]
    public void BudgetedSessionOpenAI_WithoutAKey_SaysWhereToPutOne()
    {
        string? saved = Environment.GetEnvironmentVariable("OPENAI_API_KEY");
        if (saved is not null)
        {
            TestSkip.Because("OPENAI_API_KEY is set in this environment, so the missing-key path cannot be exercised", required: false);
        }

        var error = Assert.Throws<ArgumentException>(() => BudgetedSession.OpenAI(budgetUsd: 1m));

        Assert.Contains("pass apiKey or set the OPENAI_API_KEY environment variable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BudgetedSessionOpenAI_WithAnInvalidBudget_FailsNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => BudgetedSession.OpenAI(budgetUsd: 0m, apiKey: "sk-test"));

        Assert.Contains("AgentGuardOptions.BudgetUsd is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtherRequests_PassThroughUntouched()
    {
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.000001m);

        using var get = await h.Http.GetAsync("models", Ct);
        using var post = await h.Http.PostAsync("moderations", ChatBodies.Json("not even json"), Ct);

        // Both reached the server (which does not know these routes): the guard neither reserved nor refused.
        Assert.Equal(System.Net.HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, post.StatusCode);
        Assert.Equal(2, h.Meter.TotalRequests);
        Assert.Equal(0, h.Session.GetSummary().Calls);
    }
}
