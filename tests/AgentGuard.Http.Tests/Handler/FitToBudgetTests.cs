using System.Net;
using System.Text.Json;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Tests.TestSupport;
using OpenAI.Chat;

namespace AgentGuard.Http.Tests.Handler;

/// <summary>DefaultMaxOutputTokens and fit-to-budget (on by default): the guard writes an output cap so that calls fit the budget.</summary>
public sealed class FitToBudgetTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DefaultMaxOutputTokens_IsWrittenIntoRequestsWithoutACap_AndSizesTheReservation()
    {
        // gpt-4o's worst case without a cap is 16,384 output tokens ($0.16): far above the budget.
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.01m, configure: o => o.DefaultMaxOutputTokens = 100,
            behavior: FakeBehavior.Default with { OutputMode = FakeOutputMode.WorstCase });

        await h.Chat("gpt-4o").CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct);

        using var sent = JsonDocument.Parse(h.Meter.RequestBodies.Single());
        Assert.Equal(100, sent.RootElement.GetProperty("max_completion_tokens").GetInt32());
        Assert.Equal(100, h.Meter.Calls.Single().CompletionTokens);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task DefaultMaxOutputTokens_LeavesARequestsOwnCapAlone()
    {
        await using var h = await GuardHarness.StartAsync(configure: o => o.DefaultMaxOutputTokens = 100);

        using var response = await h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(ChatBodies.Simple("gpt-4o", maxTokens: 20)), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ChatBodies.Simple("gpt-4o", maxTokens: 20), h.Meter.RequestBodies.Single());
    }

    [Fact]
    public async Task ClampMode_LowersTheCapToWhatTheBudgetAffords_AndTheWorstCaseStaysWithinIt()
    {
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.01m, configure: o => o.ClampOutputToBudget = true,
            behavior: FakeBehavior.Default with { OutputMode = FakeOutputMode.WorstCase });

        var completion = await h.Chat("gpt-4o").CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct);

        using var sent = JsonDocument.Parse(h.Meter.RequestBodies.Single());
        int cap = sent.RootElement.GetProperty("max_completion_tokens").GetInt32();
        Assert.InRange(cap, 256, 999);
        Assert.Equal(ChatFinishReason.Length, completion.Value.FinishReason);
        Assert.True(h.Meter.TotalBilledUsd <= 0.01m, $"billed {h.Meter.TotalBilledUsd}");
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Contains(h.Logs.GetSnapshot(), r => r.Id.Name == "OutputCapFitted" && r.Level == Microsoft.Extensions.Logging.LogLevel.Information);
    }

    [Fact]
    public async Task ClampMode_LowersEveryCapTheBodyHas()
    {
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.01m, configure: o => o.ClampOutputToBudget = true);
        const string Body = """{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}],"max_tokens":10000}""";

        using var response = await h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(Body), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var sent = JsonDocument.Parse(h.Meter.RequestBodies.Single());
        Assert.InRange(sent.RootElement.GetProperty("max_tokens").GetInt32(), 256, 999);
        Assert.False(sent.RootElement.TryGetProperty("max_completion_tokens", out _));
    }

    [Fact]
    public async Task ClampMode_BelowTheMinimum_Refuses()
    {
        // 256 output tokens of gpt-4o cost $0.00256: more than the budget.
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.002m, configure: o => o.ClampOutputToBudget = true);

        await Assert.ThrowsAsync<BudgetExceededException>(() => h.Chat("gpt-4o").CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct));

        Assert.Equal(0, h.Meter.TotalRequests);
    }

    [Fact]
    public async Task FitToBudget_IsOnByDefault_AndTheStrictBehaviourIsOneOptionAway()
    {
        await using (var byDefault = await GuardHarness.StartAsync(budgetUsd: 0.01m))
        {
            await byDefault.Chat("gpt-4o").CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct);
            Assert.Equal(1, byDefault.Meter.TotalRequests);
        }

        await using var strict = await GuardHarness.StartAsync(budgetUsd: 0.01m, configure: o => o.ClampOutputToBudget = false);

        var refusal = await Assert.ThrowsAsync<BudgetExceededException>(() => strict.Chat("gpt-4o").CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct));

        Assert.Equal(0, strict.Meter.TotalRequests);
        Assert.Contains("turn fit-to-budget back on", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARequestWhoseWorstCaseFits_IsNeverRewritten()
    {
        await using var h = await GuardHarness.StartAsync(budgetUsd: 1m);

        using var response = await h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(ChatBodies.Simple("gpt-4o-mini")), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ChatBodies.Simple("gpt-4o-mini"), h.Meter.RequestBodies.Single());
        Assert.DoesNotContain(h.Logs.GetSnapshot(), r => r.Id.Name == "OutputCapFitted");
    }

    [Fact]
    public async Task EightAgentsSendingHelloWithoutACap_AllFit_AndTheBudgetHolds()
    {
        // The newcomer's case: $5 and eight plain calls to a model whose uncapped worst case is $1.28 each, scaled to gpt-4o
        // (16,384 output tokens, $0.164). Each reserves the model's maximum output while that fits; later ones share the rest.
        const decimal Budget = 0.64m;
        await using var h = await GuardHarness.StartAsync(budgetUsd: Budget, behavior: FakeBehavior.Default with { OutputMode = FakeOutputMode.WorstCase, ResponseDelay = TimeSpan.FromMilliseconds(50) });

        var calls = Enumerable.Range(0, 8).Select(_ => h.Chat("gpt-4o").CompleteChatAsync([new UserChatMessage("Hello")], cancellationToken: Ct));
        await Task.WhenAll(calls);

        Assert.Equal(8, h.Meter.TotalRequests);
        Assert.True(h.Meter.TotalBilledUsd <= Budget, $"billed {h.Meter.TotalBilledUsd}");
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0m, h.Session.GetReserved());
    }

    [Fact]
    public async Task ARefusal_SaysWhyTheBoundIsWhatItIs_AndWhichFixApplies()
    {
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.001m, configure: o => o.ClampOutputToBudget = false);

        var refusal = await Assert.ThrowsAsync<BudgetExceededException>(() => h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(ChatBodies.Simple("gpt-4o-mini")), Ct));

        Assert.Contains("the request sets no max_completion_tokens, so up to the model's maximum of 16,384", refusal.Advice, StringComparison.Ordinal);
        Assert.Contains("output tokens at $0.6/M", refusal.Advice, StringComparison.Ordinal);
        Assert.Contains("AgentGuardOptions.DefaultMaxOutputTokens", refusal.Advice, StringComparison.Ordinal);
        Assert.EndsWith(refusal.Advice!, refusal.Message, StringComparison.Ordinal);
        Assert.Contains(h.Logs.GetSnapshot(), r => r.Id.Name == "BudgetExceeded" && r.Message.Contains(refusal.Advice!, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ClampMode_UnderConcurrency_TheWorstCaseServerNeverBillsMoreThanTheBudget()
    {
        const decimal Budget = 0.05m;
        await using var h = await GuardHarness.StartAsync(budgetUsd: Budget, configure: o => o.ClampOutputToBudget = true,
            behavior: FakeBehavior.Default with { OutputMode = FakeOutputMode.WorstCase });

        var calls = Enumerable.Range(0, 24).Select(async _ =>
        {
            try
            {
                await h.Chat("gpt-4o").CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct);
                return true;
            }
            catch (BudgetExceededException)
            {
                return false;
            }
        });
        var sent = await Task.WhenAll(calls);

        // A call takes what remains divided among the calls in flight and being admitted beside it; one that finds a
        // whole small budget alone takes it all, so later ones wait for it to settle. None may overspend.
        Assert.Contains(true, sent);
        Assert.True(h.Meter.TotalBilledUsd <= Budget, $"billed {h.Meter.TotalBilledUsd}");
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0m, h.Session.GetReserved());
    }

    [Fact]
    public async Task ABodyTheRewriteCannotHold_IsRefusedCleanly_AndItsReservationReleased()
    {
        // The one-pass reader takes the last of two equal members (as OpenAI's parser does); a DOM rewrite cannot hold them.
        await using var h = await GuardHarness.StartAsync(configure: o => o.DefaultMaxOutputTokens = 100);
        const string Body = """{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}],"n":1,"n":1}""";

        var refusal = await Assert.ThrowsAsync<UnboundedRequestException>(() => h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(Body), Ct));

        Assert.Equal(UnboundedRequestReason.MalformedBody, refusal.Reason);
        Assert.Contains("could not write its changes into the body", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Meter.TotalRequests);
        Assert.Equal(0, h.ReservedMicros);
        Assert.Equal(0, h.SpentMicros);
    }

    [Fact]
    public async Task ADeeplyNestedBody_GetsItsCapWritten()
    {
        await using var h = await GuardHarness.StartAsync(configure: o => o.DefaultMaxOutputTokens = 100);
        string nested = string.Concat(Enumerable.Repeat("{\"a\":", 80)) + "1" + new string('}', 80);
        string body = $$"""{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}],"metadata_x":{{nested}}}""";

        using var response = await h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(body), Ct);

        Assert.Contains("\"max_completion_tokens\":100", h.Meter.RequestBodies.Single(), StringComparison.Ordinal);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task PriceMultiplier_ScalesReservationsAndSettledCosts()
    {
        await using var h = await GuardHarness.StartAsync(configure: o => o.PriceMultiplier = 1.1m);

        await h.Chat("gpt-4o").CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct);

        long expected = (long)decimal.Ceiling(h.Meter.TotalBilledUsd * 1_000_000m * 1.1m);
        Assert.Equal(expected, h.SpentMicros);
        Assert.True(h.SpentMicros > h.Meter.TotalBilledMicros);
    }
}
