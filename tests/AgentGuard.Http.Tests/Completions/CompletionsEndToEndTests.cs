using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Tests.TestSupport;

namespace AgentGuard.Http.Tests.Completions;

/// <summary>Legacy Completions through a raw guarded HttpClient (the SDK has no client for them), JSON and streams, against the fake server.</summary>
public sealed class CompletionsEndToEndTests
{
    private const string Instruct = "gpt-3.5-turbo-instruct";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Json_OnePrompt_SettlesAtWhatTheServerBilled()
    {
        await using var h = await GuardHarness.StartAsync();

        using var response = await PostAsync(h, """{"model":"gpt-3.5-turbo-instruct","prompt":"Say this is a test","max_tokens":7}""");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text_completion", json.RootElement.GetProperty("object").GetString());
        var call = Assert.Single(h.Meter.Calls);
        Assert.Equal((FakeEndpoints.Completions, FakeMeter.CountTokens("Say this is a test", Instruct)), (call.Endpoint, call.PromptTokens));
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
        Assert.Equal(1, h.Session.GetSummary().Calls);
        Assert.Empty(h.Errors);
    }

    [Fact]
    public async Task WorstCase_PromptsNBestOfAndEcho_SettlesAtWhatWasBilledWithinItsReservation()
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase });

        using var response = await PostAsync(h, """{"model":"davinci-002","prompt":["Once upon a time","In a galaxy far, far away 🌌"],"max_tokens":20,"n":2,"best_of":3,"echo":true,"logprobs":2}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var call = Assert.Single(h.Meter.Calls);
        Assert.Equal(2 * 3 * 20, call.CompletionTokens);
        var reserved = Reservations(h).Single();
        Assert.True(reserved.Output >= call.CompletionTokens + (3 * call.PromptTokens), $"reserved {reserved.Output} output tokens");
        Assert.True(reserved.Input >= call.PromptTokens);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Empty(h.Errors);
    }

    [Fact]
    public async Task WorstCase_NoMaxTokens_IsSixteenPerCompletion_AndNoDefaultCapIsWritten()
    {
        // OpenAI caps a completion at 16 tokens without max_tokens: that is the request's cap, not a missing one.
        await using var h = await GuardHarness.StartAsync(configure: o => o.DefaultMaxOutputTokens = 5, behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase });
        const string body = """{"model":"gpt-3.5-turbo-instruct","prompt":[[9906,1917],[40]],"n":3}""";

        using var response = await PostAsync(h, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, Assert.Single(h.Meter.RequestBodies));
        Assert.Equal(2 * 3 * 16, Assert.Single(h.Meter.Calls).CompletionTokens);
        Assert.Equal(2 * 3 * 16, Reservations(h).Single().Output);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Stream_WithoutIncludeUsage_IsAskedForUsageAndTheCallerNeverSeesIt(bool splitSse)
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { SplitSse = splitSse, SplitSeed = 5 });

        using var response = await PostAsync(h, """{"model":"gpt-3.5-turbo-instruct","prompt":["Hello","World"],"stream":true,"max_tokens":30}""", HttpCompletionOption.ResponseHeadersRead);
        string events = await response.Content.ReadAsStringAsync(Ct);

        Assert.Contains("\"include_usage\":true", Assert.Single(h.Meter.RequestBodies), StringComparison.Ordinal);
        Assert.Contains("\"object\":\"text_completion\"", events, StringComparison.Ordinal);
        Assert.DoesNotContain("\"choices\":[]", events, StringComparison.Ordinal);
        Assert.DoesNotContain("\"usage\":{", events, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", events, StringComparison.Ordinal);
        Assert.DoesNotContain("\n\n\n", events, StringComparison.Ordinal);
        Assert.Equal([FakeBehavior.DefaultContentText, FakeBehavior.DefaultContentText], TextsOf(events));
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
        Assert.Empty(h.Errors);
    }

    [Fact]
    public async Task Stream_WithIncludeUsage_PassesTheUsageChunkThrough()
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase, SplitSse = true, SplitSeed = 9 });
        const string body = """{"model":"gpt-3.5-turbo-instruct","prompt":"Hello","stream":true,"stream_options":{"include_usage":true},"echo":true}""";

        using var response = await PostAsync(h, body, HttpCompletionOption.ResponseHeadersRead);
        string events = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(body, Assert.Single(h.Meter.RequestBodies));
        Assert.Contains("\"choices\":[]", events, StringComparison.Ordinal);
        Assert.Contains("\"usage\":{", events, StringComparison.Ordinal);
        Assert.Equal(16, Assert.Single(h.Meter.Calls).CompletionTokens);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task Stream_CutMidway_IsChargedItsReservation()
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { Failure = FakeFailure.CutStreamMidway });

        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var response = await PostAsync(h, """{"model":"gpt-3.5-turbo-instruct","prompt":"Hello","stream":true,"max_tokens":50}""", HttpCompletionOption.ResponseHeadersRead);
            _ = await response.Content.ReadAsStringAsync(Ct);
        });

        Assert.Equal(0, h.ReservedMicros);
        Assert.Equal(1, h.Meter.BilledRequests);
        Assert.True(h.SpentMicros >= h.Meter.TotalBilledMicros, $"spent {h.SpentMicros} < billed {h.Meter.TotalBilledMicros}");
        Assert.Contains(h.Logs.GetSnapshot(), r => r.Message.Contains("charged_in_full", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CallTheBudgetCannotCover_ThrowsBudgetExceeded_AndIsNotSent()
    {
        // 4 prompts x best_of 5 x 4,000 tokens at 2.0: 0.16 USD, far above 0.001.
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.001m);

        var refusal = await Assert.ThrowsAsync<BudgetExceededException>(() =>
            PostAsync(h, """{"model":"davinci-002","prompt":["a","b","c","d"],"best_of":5,"max_tokens":4000}"""));

        Assert.Equal("davinci-002", refusal.Model);
        Assert.True(refusal.RequiredUsd >= 0.16m);
        Assert.Equal(0, h.Meter.TotalRequests);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Fact]
    public async Task ClampMode_LowersMaxTokensToWhatTheBudgetAffords()
    {
        // 0.001 USD at 2.0 per output token affords about 500 tokens: 2,000 is lowered, and the server bills within the budget.
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.001m,
            configure: o => { o.ClampOutputToBudget = true; o.MinClampedOutputTokens = 10; },
            behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase });

        using var response = await PostAsync(h, """{"model":"gpt-3.5-turbo-instruct","prompt":"Write a long story.","max_tokens":2000}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var sent = JsonDocument.Parse(Assert.Single(h.Meter.RequestBodies));
        int cap = sent.RootElement.GetProperty("max_tokens").GetInt32();
        Assert.InRange(cap, 400, 499);
        Assert.Equal(cap, Assert.Single(h.Meter.Calls).CompletionTokens);
        Assert.True(h.Meter.TotalBilledMicros <= 1000);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task PromptAndMaxTokensAboveTheContext_RejectedByTheServer_IsReleased()
    {
        await using var h = await GuardHarness.StartAsync();
        string ids = string.Join(",", Enumerable.Repeat("7", 4000));

        using var response = await PostAsync(h, $$"""{"model":"gpt-3.5-turbo-instruct","prompt":[{{ids}}],"max_tokens":200}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, h.Meter.BilledRequests);
        Assert.Equal(0, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Fact]
    public async Task MalformedPrompt_IsRefusedWithItsReasonAndNotSent()
    {
        await using var h = await GuardHarness.StartAsync();

        var refusal = await Assert.ThrowsAsync<UnboundedRequestException>(() => PostAsync(h, """{"model":"gpt-3.5-turbo-instruct","prompt":["text",[1,2]]}"""));

        Assert.Equal(UnboundedRequestReason.MalformedBody, refusal.Reason);
        Assert.StartsWith("The Completions request cannot be read: \"prompt\" must be a string", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Meter.TotalRequests);
    }

    [Fact]
    public async Task UnknownModel_IsRefusedAndNotSent()
    {
        await using var h = await GuardHarness.StartAsync();

        var refusal = await Assert.ThrowsAsync<UnknownModelPriceException>(() => PostAsync(h, """{"model":"text-davinci-003","prompt":"x"}"""));

        Assert.Equal("text-davinci-003", refusal.Model);
        Assert.Equal(0, h.Meter.TotalRequests);
    }

    [Fact]
    public async Task WorstCaseServer_SmallBudgetManyCalls_NeverExceedsTheBudgetAndNeverReportsLessThanBilled()
    {
        const decimal budget = 0.002m;
        await using var h = await GuardHarness.StartAsync(budgetUsd: budget, behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase, SplitSse = true, SplitSeed = 2 });
        string[] bodies =
        [
            """{"model":"gpt-3.5-turbo-instruct","prompt":"Tell me a joke about budgets.","max_tokens":40}""",
            """{"model":"gpt-3.5-turbo-instruct","prompt":["One","Two","Three"],"n":2,"best_of":3,"echo":true,"max_tokens":8}""",
            """{"model":"babbage-002","prompt":[[1,2,3],[4,5]],"max_tokens":30,"stream":true}""",
            """{"model":"davinci-002","prompt":"Complete: the quick brown","suffix":" over the lazy dog.","stream":true,"stream_options":{"include_usage":true}}""",
            """{"model":"gpt-3.5-turbo-instruct"}""",
            """{"model":"davinci-002","prompt":[101,102,103],"echo":true,"max_tokens":0,"logprobs":1}""",
        ];
        int refused = 0;

        for (int i = 0; i < 300 && refused < 6; i++)
        {
            try
            {
                using var response = await PostAsync(h, bodies[i % bodies.Length], HttpCompletionOption.ResponseHeadersRead);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                _ = await response.Content.ReadAsStringAsync(Ct);
            }
            catch (BudgetExceededException)
            {
                refused++;
            }

            Assert.True(h.Meter.TotalBilledMicros <= GuardHarness.ToMicros(budget), $"billed {h.Meter.TotalBilledMicros} > budget");
            Assert.True(h.SpentMicros >= h.Meter.TotalBilledMicros, $"spent {h.SpentMicros} < billed {h.Meter.TotalBilledMicros}");
        }

        Assert.Equal(6, refused);
        Assert.True(h.Meter.BilledRequests > 10, $"only {h.Meter.BilledRequests} calls were billed");
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
        Assert.Empty(h.Errors);
    }

    private static async Task<HttpResponseMessage> PostAsync(GuardHarness h, string body, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        return await h.Http.SendAsync(request, completion, Ct);
    }

    /// <summary>The text of each choice, put together from the <c>text_completion</c> chunks (which interleave choices).</summary>
    private static string[] TextsOf(string events) => [.. events.Split('\n')
        .Where(l => l.StartsWith("data: {", StringComparison.Ordinal))
        .SelectMany(l => JsonDocument.Parse(l["data: ".Length..]).RootElement.GetProperty("choices").EnumerateArray())
        .GroupBy(c => c.GetProperty("index").GetInt32())
        .OrderBy(g => g.Key)
        .Select(g => string.Concat(g.Select(c => c.GetProperty("text").GetString())))];

    /// <summary>The input and output tokens of every reservation, from the Reserved log records.</summary>
    private static IEnumerable<(long Input, long Output)> Reservations(GuardHarness h) => h.Logs.GetSnapshot()
        .Where(r => r.Id.Name == "Reserved")
        .Select(r => (Value(r, "InputTokens"), Value(r, "OutputTokens")));

    private static long Value(Microsoft.Extensions.Logging.Testing.FakeLogRecord record, string key) =>
        long.Parse(record.StructuredState!.Single(s => s.Key == key).Value!, CultureInfo.InvariantCulture);
}
