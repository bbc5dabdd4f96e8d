using System.Net;
using AgentGuard.Http.Tests.TestSupport;

namespace AgentGuard.Http.Tests.Handler;

/// <summary>Azure OpenAI paths: priced through the deployment map; the path may name the deployment instead of the body.</summary>
public sealed class AzureDeploymentTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DeploymentPath_WithoutModelInTheBody_IsPricedAsItsMappedModel()
    {
        await using var h = await GuardHarness.StartAsync(configure: o => o.AzureDeployments["my-gpt4o"] = new AzureDeployment { Model = "gpt-4o" });
        const string Body = """{"messages":[{"role":"user","content":"Hi"}],"max_tokens":20}""";

        using var response = await h.Http.PostAsync(new Uri(h.Server.Root, "openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21"), ChatBodies.Json(Body), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("gpt-4o", h.Meter.Calls.Single().PricedAs);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.True(h.Session.GetSummary().SpendByModel.ContainsKey("gpt-4o"));
    }

    [Theory]
    [InlineData("openai/v1/responses", """{"model":"my-gpt4o","input":"Hi","max_output_tokens":20}""", "gpt-4o")]
    [InlineData("openai/deployments/my-gpt4o/responses?api-version=2025-04-01-preview", """{"input":"Hi","max_output_tokens":20}""", "gpt-4o")]
    [InlineData("openai/deployments/my-embed/embeddings?api-version=2024-10-21", """{"input":["Hi","there"]}""", "text-embedding-3-small")]
    public async Task OtherEndpointsOnAzure_ArePricedAsTheDeploymentsModel_TimesItsMultiplier(string path, string body, string model)
    {
        await using var h = await GuardHarness.StartAsync(configure: o =>
        {
            o.AzureDeployments["my-gpt4o"] = new AzureDeployment { Model = "gpt-4o", PriceMultiplier = 1.1m };
            o.AzureDeployments["my-embed"] = new AzureDeployment { Model = "text-embedding-3-small", PriceMultiplier = 1.1m };
        });

        using var response = await h.Http.PostAsync(new Uri(h.Server.Root, path), ChatBodies.Json(body), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(model, h.Meter.Calls.Single().PricedAs);
        Assert.Equal((long)decimal.Ceiling(h.Meter.TotalBilledUsd * 1_000_000m * 1.1m), h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Fact]
    public async Task UnmappedDeployment_IsRefusedNamingTheOption_AndNeverSent()
    {
        await using var h = await GuardHarness.StartAsync(configure: o => o.AzureDeployments["my-gpt4o"] = new AzureDeployment { Model = "gpt-4o" });

        var refusal = await Assert.ThrowsAsync<UnboundedRequestException>(() => h.Http.PostAsync(
            new Uri(h.Server.Root, "openai/deployments/my-mini/chat/completions?api-version=2024-10-21"), ChatBodies.Json(ChatBodies.Simple("my-mini")), Ct));

        Assert.Equal(UnboundedRequestReason.UnknownDeployment, refusal.Reason);
        Assert.Contains("AzureDeployments[\"my-mini\"]", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Meter.TotalRequests);
    }

    [Fact]
    public async Task V1Path_NeedsTheModelInTheBody()
    {
        await using var h = await GuardHarness.StartAsync(configure: o => o.AzureDeployments["my-gpt4o"] = new AzureDeployment { Model = "gpt-4o" });

        var refusal = await Assert.ThrowsAsync<UnboundedRequestException>(() => h.Http.PostAsync(
            new Uri(h.Server.Root, "openai/v1/chat/completions"), ChatBodies.Json("""{"messages":[{"role":"user","content":"Hi"}]}"""), Ct));

        Assert.Equal(UnboundedRequestReason.MalformedBody, refusal.Reason);
        Assert.Contains("no \"model\"", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Meter.TotalRequests);
    }

    [Fact]
    public async Task AzureStreamWithoutIncludeUsage_IsNotRewritten_AndIsChargedItsReservation()
    {
        await using var h = await GuardHarness.StartAsync(configure: o => o.AzureDeployments["my-gpt4o"] = new AzureDeployment { Model = "gpt-4o" });
        string body = ChatBodies.Simple("my-gpt4o", maxTokens: 20, stream: true);

        using (var response = await h.Http.PostAsync(new Uri(h.Server.Root, "openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21"), ChatBodies.Json(body), Ct))
        {
            _ = await response.Content.ReadAsStringAsync(Ct);
        }

        Assert.Equal(body, h.Meter.RequestBodies.Single());
        Assert.True(h.SpentMicros > h.Meter.TotalBilledMicros, "charged its reservation, which is above what was billed");
        Assert.Equal(0, h.ReservedMicros);
    }
}
