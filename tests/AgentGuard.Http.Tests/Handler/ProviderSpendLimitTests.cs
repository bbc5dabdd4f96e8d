using System.ClientModel;
using System.Net;
using System.Text.Json;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Tests.TestSupport;
using OpenAI.Chat;

namespace AgentGuard.Http.Tests.Handler;

/// <summary>The provider's own spend limit or quota: released, and surfaced as a refusal that SDKs do not retry.</summary>
public sealed class ProviderSpendLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(FakeFailure.InsufficientQuota429, 429, "insufficient_quota")]
    [InlineData(FakeFailure.SpendLimit400, 400, "billing_hard_limit_reached")]
    public async Task AProviderSpendLimit_IsReleased_AndRefusedWithoutRetries(FakeFailure failure, int status, string code)
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { Failure = failure });
        var retrying = GuardHarness.CreateOpenAIClient(h.Http, h.Server, maxRetries: 3);

        var refusal = await Assert.ThrowsAsync<ProviderSpendLimitException>(() =>
            retrying.GetChatClient("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct));

        Assert.Equal((AgentGuardProviders.OpenAI, status, code), (refusal.Provider, refusal.StatusCode, refusal.Code));
        Assert.Contains("not retried", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(1, h.Meter.TotalRequests);
        Assert.Equal(0m, h.Session.GetTotalSpent());
        Assert.Equal(0m, h.Session.GetReserved());
    }

    [Fact]
    public async Task InPaymentRequiredMode_TheSdkSeesA402ThatItDoesNotRetry()
    {
        await using var h = await GuardHarness.StartAsync(
            behavior: new FakeBehavior { Failure = FakeFailure.InsufficientQuota429 }, configure: o => o.RefusalMode = BudgetRefusalMode.PaymentRequiredResponse);
        var retrying = GuardHarness.CreateOpenAIClient(h.Http, h.Server, maxRetries: 3);

        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            retrying.GetChatClient("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct));

        Assert.Equal(402, error.Status);
        Assert.Contains("agentguard: insufficient_quota", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, h.Meter.TotalRequests);
        Assert.Equal(0m, h.Session.GetReserved());
    }

    [Fact]
    public async Task AnOrdinaryRateLimit_StillReachesTheSdkAsA429_WhichRetries()
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { Failure = FakeFailure.RateLimit429 });

        using var response = await h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(ChatBodies.Simple("gpt-4o-mini", maxTokens: 20)), Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("rate_limit_exceeded", body.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(0m, h.Session.GetReserved());
    }
}
