using System.Text.Json;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Tests.TestSupport;

namespace AgentGuard.Http.Tests.Handler;

/// <summary>Calls are reserved at the tier they can bill at and settled at the tier the response reports.</summary>
public sealed class TierAndPriceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("gpt-5", "priority")]
    [InlineData("gpt-5-mini", "flex")]
    [InlineData("o4-mini", "priority")]
    [InlineData("gpt-4o-mini", "default")]
    public async Task RequestedTier_IsReservedAndSettledAtItsPrice(string model, string tier)
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase });

        await Post(h, $$"""{"model":"{{model}}","service_tier":"{{tier}}","max_completion_tokens":2000,"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal(tier, Assert.Single(h.Meter.Calls).Tier);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Empty(h.Errors);
    }

    [Fact]
    public async Task PriorityTierWithoutAPrice_IsRefused()
    {
        await using var h = await GuardHarness.StartAsync();

        var refusal = await Assert.ThrowsAsync<UnknownModelPriceException>(() =>
            Post(h, """{"model":"gpt-5-nano","service_tier":"priority","messages":[{"role":"user","content":"Hi"}]}"""));

        Assert.Contains("Priority", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Meter.TotalRequests);
    }

    [Fact]
    public async Task AutoTier_UsesTheConfiguredDefault_AndTheResponseTierSettles()
    {
        await using var h = await GuardHarness.StartAsync(configure: o => o.ServiceTier = ServiceTier.Priority,
            behavior: new FakeBehavior { ReportedServiceTier = "default", OutputMode = FakeOutputMode.WorstCase });

        await Post(h, """{"model":"gpt-4.1","service_tier":"auto","max_tokens":500,"messages":[{"role":"user","content":"Hi"}]}""");

        // Reserved at priority (x1.75), billed at default: settled at what was billed.
        Assert.Equal("default", Assert.Single(h.Meter.Calls).Tier);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task BatchTier_RecordsHalfTheStandardPrice_WhichIsTheUsersStatement()
    {
        await using var h = await GuardHarness.StartAsync(configure: o => o.ServiceTier = ServiceTier.Batch);

        await Post(h, """{"model":"gpt-4o","max_tokens":500,"messages":[{"role":"user","content":"Hello there"}]}""");

        // The fake bills standard rates: a user who claims batch but is billed standard undercounts by half (README).
        var call = Assert.Single(h.Meter.Calls);
        long batchMicros = (long)decimal.Ceiling(((call.PromptTokens * 2.50m) + (call.CompletionTokens * 10.00m)) / 2m);
        Assert.Equal(batchMicros, h.SpentMicros);
    }

    [Fact]
    public async Task CachedTokens_SettleAtTheCachedPrice()
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { CachedTokens = 1_000_000 });
        string longText = string.Concat(Enumerable.Repeat("lorem ipsum dolor sit amet ", 400));

        await Post(h, JsonSerializer.Serialize(new { model = "gpt-4.1", max_tokens = 10, messages = new[] { new { role = "user", content = longText } } }));

        var call = Assert.Single(h.Meter.Calls);
        Assert.Equal(call.PromptTokens, call.CachedTokens);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task LongContext_IsReservedAndSettledAtTheLongContextRate()
    {
        await using var h = await GuardHarness.StartAsync(budgetUsd: 50m, behavior: new FakeBehavior { OutputMode = FakeOutputMode.WorstCase });
        // About 300,000 tokens: " x" is one token in o200k_base.
        string huge = string.Concat(Enumerable.Repeat(" x", 300_000));

        await Post(h, JsonSerializer.Serialize(new { model = "gpt-5.4", max_completion_tokens = 100, messages = new[] { new { role = "user", content = huge } } }));

        var call = Assert.Single(h.Meter.Calls);
        Assert.True(call.PromptTokens > 272_000);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Empty(h.Errors);
    }

    [Fact]
    public async Task TightBudget_UsesTheExactTokenCount_WhereTheByteBoundDoesNotFit()
    {
        // 5,000 CJK sentences: 75,000 UTF-8 bytes but far fewer tokens. The byte bound at gpt-4o's $2.50/M is $0.19. (A
        // run of CJK without punctuation is one piece to the tokenizer, which the guard bounds by its bytes: TextTokens.)
        string cjk = string.Concat(Enumerable.Repeat("你好世界。", 5_000));
        string body = JsonSerializer.Serialize(new { model = "gpt-4o", max_tokens = 10, messages = new[] { new { role = "user", content = cjk } } });
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.1m);

        await Post(h, body);

        Assert.Equal(1, h.Meter.BilledRequests);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Contains(h.Logs.GetSnapshot(), r => r.Id.Name == "Reserved" && r.Message.Contains("tokenizer True", StringComparison.Ordinal));
    }

    private static async Task Post(GuardHarness h, string body)
    {
        using var response = await h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(body), Ct);
        string text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, text);
    }
}
