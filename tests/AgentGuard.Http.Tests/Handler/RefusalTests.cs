using System.ClientModel;
using System.Net;
using System.Text.Json;
using AgentGuard.Http.Tests.TestSupport;
using OpenAI.Chat;

namespace AgentGuard.Http.Tests.Handler;

/// <summary>Refused calls are never sent, reserve nothing, and say clearly why.</summary>
public sealed class RefusalTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CallTheBudgetCannotCover_ThrowsBudgetExceededFromTheSdkCall_AndIsNotSent()
    {
        BudgetExceededException? notified = null;
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.001m, configure: o => o.OnBudgetExceeded = e => notified = e);

        // gpt-4o's worst case (16,384 output tokens at $10/M) is far above $0.001.
        var refusal = await Assert.ThrowsAsync<BudgetExceededException>(() => h.Chat("gpt-4o").CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct));

        Assert.Same(refusal, notified);
        Assert.Equal("test", refusal.BudgetName);
        Assert.Equal(0.001m, refusal.BudgetUsd);
        Assert.Equal("gpt-4o", refusal.Model);
        Assert.True(refusal.RequiredUsd > 0.16m);
        Assert.Contains("Budget 'test' cannot cover this call to gpt-4o", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Meter.TotalRequests);
        Assert.Equal(0, h.ReservedMicros);
        Assert.Equal(1, h.Session.GetSummary().RefusedCalls);
        Assert.Equal(0, h.Session.GetSummary().Calls);
        Assert.Contains(h.Logs.GetSnapshot(), r => r.Level == Microsoft.Extensions.Logging.LogLevel.Warning && r.Id.Name == "BudgetExceeded");
    }

    [Fact]
    public async Task CallTheBudgetCanCoverWithACap_IsSent()
    {
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.001m);

        await h.Chat("gpt-4o").CompleteChatAsync([new UserChatMessage("Hi")], new ChatCompletionOptions { MaxOutputTokenCount = 20 }, Ct);

        Assert.Equal(1, h.Meter.BilledRequests);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task OnBudgetExceededThatThrows_IsLoggedAndTheRefusalStands()
    {
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.001m, configure: o => o.OnBudgetExceeded = _ => throw new InvalidOperationException("boom"));

        await Assert.ThrowsAsync<BudgetExceededException>(() => h.Chat("gpt-4o").CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct));

        Assert.Contains(h.Errors, r => r.Id.Name == "CallbackFailed" && r.Exception is InvalidOperationException);
    }

    [Fact]
    public async Task PaymentRequiredMode_SdkSeesA402WithBudgetExceededCode_NotRetried()
    {
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.001m, configure: o => o.RefusalMode = BudgetRefusalMode.PaymentRequiredResponse);
        var retrying = GuardHarness.CreateOpenAIClient(h.Http, h.Server, maxRetries: 3);

        var error = await Assert.ThrowsAsync<ClientResultException>(() => retrying.GetChatClient("gpt-4o").CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct));

        Assert.Equal(402, error.Status);
        Assert.Contains("cannot cover this call", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, h.Session.GetSummary().RefusedCalls);
        Assert.Equal(0, h.Meter.TotalRequests);
    }

    [Fact]
    public async Task PaymentRequiredMode_RawCallerReadsAnOpenAIErrorBody()
    {
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.001m, configure: o => o.RefusalMode = BudgetRefusalMode.PaymentRequiredResponse);

        using var response = await h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(ChatBodies.Simple("gpt-4o")), Ct);

        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("budget_exceeded", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("agentguard", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("false", response.Headers.GetValues("x-should-retry").Single());
        Assert.Contains("Budget 'test'", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gpt-4o-mni", "gpt-4o-mini")]
    [InlineData("GPT-4.1-nan", "gpt-4.1-nano")]
    public async Task AModelNameWithATypo_IsRefused_WithADidYouMean(string model, string nearest)
    {
        await using var h = await GuardHarness.StartAsync();

        var refusal = await Assert.ThrowsAsync<UnknownModelPriceException>(() =>
            h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(ChatBodies.Simple(model)), Ct));

        Assert.Contains($"Did you mean '{nearest}'?", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Meter.TotalRequests);
    }

    [Fact]
    public async Task AnUnknownModelFarFromEveryKnownOne_GetsNoGuess()
    {
        await using var h = await GuardHarness.StartAsync();

        var refusal = await Assert.ThrowsAsync<UnknownModelPriceException>(() =>
            h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(ChatBodies.Simple("llama-3")), Ct));

        Assert.DoesNotContain("Did you mean", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ft:gpt-4o-mini:acme::abc123", "Fine-tuned models")]
    [InlineData("gpt-7-ultra", "Add its price")]
    [InlineData("o2-mini", "Add its price")]
    public async Task UnknownModel_IsRefusedBeforeSending_NamingTheModelAndHowToPriceIt(string model, string advice)
    {
        await using var h = await GuardHarness.StartAsync();

        var refusal = await Assert.ThrowsAsync<UnknownModelPriceException>(() => h.Chat(model).CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct));

        Assert.Equal(model, refusal.Model);
        Assert.Contains($"'{model}'", refusal.Message, StringComparison.Ordinal);
        Assert.Contains(advice, refusal.Message, StringComparison.Ordinal);
        Assert.Contains("AgentGuardOptions.Prices", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Meter.TotalRequests);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Fact]
    public async Task UnknownModel_WithAPriceAdded_IsSentAndPriced()
    {
        await using var h = await GuardHarness.StartAsync(configure: o => o.Prices["gpt-4o-mini-custom"] = new ModelPrice
        {
            InputUsdPerMillionTokens = 1m,
            OutputUsdPerMillionTokens = 2m,
            ContextWindowTokens = 128_000,
            MaxOutputTokens = 1_000,
            Encoding = "o200k_base",
        });

        using var response = await h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(ChatBodies.Simple("gpt-4o-mini-custom")), Ct);

        // The fake does not know the model (404, not billed), so the reservation is released: the guard let it through.
        Assert.Equal(1, h.Meter.TotalRequests);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Theory]
    [InlineData("this is not json", "not valid JSON")]
    [InlineData("[1,2,3]", "not a JSON object")]
    [InlineData("{\"messages\":[]}", "no \"model\"")]
    [InlineData("{\"model\":\"gpt-4o-mini\"}", "no \"messages\"")]
    [InlineData("{\"model\":\"gpt-4o-mini\",\"messages\":[],\"max_tokens\":\"ten\"}", "\"max_tokens\" must be")]
    [InlineData("{\"model\":\"gpt-4o-mini\",\"messages\":[", "not valid JSON")]
    public async Task MalformedBody_IsRefusedWithAClearMessage_NothingSentNothingReserved(string body, string reason)
    {
        await using var h = await GuardHarness.StartAsync();

        var refusal = await Assert.ThrowsAsync<UnboundedRequestException>(() => h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(body), Ct));

        Assert.Equal(UnboundedRequestReason.MalformedBody, refusal.Reason);
        Assert.Contains(reason, refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Meter.TotalRequests);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Fact]
    public async Task FileInput_IsRefusedAsUnbounded()
    {
        await using var h = await GuardHarness.StartAsync();
#pragma warning disable OPENAI001 // File parts are experimental in the SDK.
        var message = new UserChatMessage(ChatMessageContentPart.CreateTextPart("Summarize"), ChatMessageContentPart.CreateFilePart("file-abc123"));
#pragma warning restore OPENAI001

        var refusal = await Assert.ThrowsAsync<UnboundedRequestException>(() => h.Chat().CompleteChatAsync([message], cancellationToken: Ct));

        Assert.Equal(UnboundedRequestReason.UnsupportedContent, refusal.Reason);
        Assert.Contains("file input", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Meter.TotalRequests);
    }

    [Fact]
    public async Task AllowUnboundedRequests_ForwardsWhatCannotBeBounded_Uncounted()
    {
        await using var h = await GuardHarness.StartAsync(configure: o => o.AllowUnboundedRequests = true);

        using var malformed = await h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json("not json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(1, h.Meter.TotalRequests);
        Assert.Equal(0, h.Session.GetSummary().Calls);
        Assert.Equal(0m, h.Session.GetTotalSpent());
        Assert.Contains(h.Logs.GetSnapshot(), r => r.Id.Name == "UnboundedRequestForwarded");
    }

    [Fact]
    public async Task RefusalException_IsNotRetriedBySdk()
    {
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.001m);
        var retrying = GuardHarness.CreateOpenAIClient(h.Http, h.Server, maxRetries: 3);

        await Assert.ThrowsAsync<BudgetExceededException>(() => retrying.GetChatClient("gpt-4o").CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct));

        Assert.Equal(1, h.Session.GetSummary().RefusedCalls);
    }
}
