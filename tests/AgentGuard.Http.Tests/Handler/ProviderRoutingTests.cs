using System.Net;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Tests.TestSupport;

namespace AgentGuard.Http.Tests.Handler;

/// <summary>The provider of a call is chosen by the request, the client or the host before the path's shape.</summary>
public sealed class ProviderRoutingTests
{
    private static readonly FakeBehavior OpenAIBehindAProxy = new() { OpenAIUnderOpenAIV1 = true };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AProxyMountingOpenAIUnderOpenAIV1_IsTakenForAzure_UnlessTheClientNamesItsProvider()
    {
        // By its path alone, /openai/v1/ is Azure OpenAI's: the body's model is then a deployment, which is not mapped.
        await using (var byPath = await GuardHarness.StartAsync(behavior: OpenAIBehindAProxy))
        {
            var refusal = await Assert.ThrowsAsync<UnboundedRequestException>(() => byPath.Http.PostAsync(
                new Uri(byPath.Server.Root, "openai/v1/chat/completions"), ChatBodies.Json(ChatBodies.Simple("gpt-4o-mini", maxTokens: 20)), Ct));
            Assert.Equal(UnboundedRequestReason.UnknownDeployment, refusal.Reason);
            Assert.Equal(0, byPath.Meter.TotalRequests);
        }

        await using var named = await GuardHarness.StartAsync(behavior: OpenAIBehindAProxy, configure: o => o.Provider = AgentGuardProviders.OpenAI);

        using var response = await named.Http.PostAsync(
            new Uri(named.Server.Root, "openai/v1/chat/completions"), ChatBodies.Json(ChatBodies.Simple("gpt-4o-mini", maxTokens: 20)), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("gpt-4o-mini", named.Meter.Calls.Single().PricedAs);
        Assert.Equal(named.Meter.TotalBilledMicros, named.SpentMicros);
        Assert.Equal(0, named.ReservedMicros);
    }

    [Fact]
    public async Task ARequestThatNamesItsProvider_IsGuardedAsThatProvidersCall()
    {
        await using var h = await GuardHarness.StartAsync(behavior: OpenAIBehindAProxy);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(h.Server.Root, "openai/v1/chat/completions"))
        {
            Content = ChatBodies.Json(ChatBodies.Simple("gpt-4o-mini", maxTokens: 20)),
        };
        request.Options.Set(AgentGuardProviders.RequestOptionKey, AgentGuardProviders.OpenAI);

        using var response = await h.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task TheSpendLog_RecordsEachCallsProvider_BesideItsModel()
    {
        var ledger = new InMemoryBudgetLedger();
        await using var h = await GuardHarness.StartAsync(ledger: ledger, configure: o => o.AzureDeployments["my-gpt4o"] = new AzureDeployment { Model = "gpt-4o" });

        using (var openAI = await h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(ChatBodies.Simple("gpt-4o-mini", maxTokens: 20)), Ct))
        using (var azure = await h.Http.PostAsync(
            new Uri(h.Server.Root, "openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21"), ChatBodies.Json(ChatBodies.Simple("ignored", maxTokens: 20)), Ct))
        {
            Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (openAI.StatusCode, azure.StatusCode));
        }

        var log = await ledger.ReadSpendLogAsync(new SpendLogQuery(), Ct);

        Assert.Equal([(AgentGuardProviders.OpenAI, "gpt-4o-mini"), (AgentGuardProviders.AzureOpenAI, "gpt-4o")], log.Select(e => (e.Provider, e.Model)));
        Assert.Equal(h.Meter.TotalBilledMicros, log.Sum(e => e.CostMicros));
    }

    [Fact]
    public async Task TheRefusalOfABudgetExceeded_HasTheShapeOfTheProvidersError()
    {
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.000001m, configure: o => o.RefusalMode = BudgetRefusalMode.PaymentRequiredResponse);

        using var response = await h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(ChatBodies.Simple("gpt-4o")), Ct);

        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("budget_exceeded", json.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(0, h.Meter.TotalRequests);
    }
}
