using System.ClientModel;
using System.Net;
using AgentGuard.FakeOpenAI;
using OpenAI;
using OpenAI.Embeddings;
using OpenAI.Responses;

#pragma warning disable OPENAI001 // The Responses API is marked experimental in the SDK.

namespace AgentGuard.Http.Tests.FakeOpenAI;

/// <summary>The fake's Azure OpenAI routes: deployments name the model.</summary>
public sealed class FakeAzureRoutesTests
{
    private const string Hello = """{"messages":[{"role":"user","content":"Hello"}],"max_tokens":50}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Uri Deployment(FakeOpenAIServer server, string deployment, string operation, string? apiVersion = "2024-10-21") =>
        new(server.Root, $"openai/deployments/{deployment}/{operation}" + (apiVersion is null ? string.Empty : $"?api-version={apiVersion}"));

    private static OpenAIClient AzureV1Client(FakeOpenAIServer server) =>
        new(new ApiKeyCredential("k"), new OpenAIClientOptions { Endpoint = new Uri(server.Root, "openai/v1/") });

    [Fact]
    public async Task DeploymentChat_BillsTheDeploymentsModel_AndEchoesIt()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();

        var (status, json) = await FakeApi.PostJsonAsync(http, Deployment(server, "my-gpt4o", "chat/completions"), Hello, FakeApi.Output("WorstCase"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("gpt-4o", json.GetProperty("model").GetString());
        Assert.Equal(50, json.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        var call = Assert.Single(server.Meter.Calls);
        Assert.Equal(("gpt-4o", "gpt-4o", "my-gpt4o"), (call.Model, call.PricedAs, call.Deployment));
        Assert.Equal(FakeMeter.PriceOf("gpt-4o", 8, 0, 50), server.Meter.TotalBilledUsd);
    }

    [Fact]
    public async Task DeploymentRoutes_NeedAnApiVersion_AndAKnownDeployment_AnsweringAzureErrors()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();

        var (noVersion, versionError) = await FakeApi.PostJsonAsync(http, Deployment(server, "my-gpt4o", "chat/completions", apiVersion: null), Hello);
        var (unknown, deploymentError) = await FakeApi.PostJsonAsync(http, Deployment(server, "nope", "chat/completions"), Hello);

        Assert.Equal(HttpStatusCode.BadRequest, noVersion);
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        var error = deploymentError.GetProperty("error");
        Assert.Equal("DeploymentNotFound", error.GetProperty("code").GetString());
        Assert.Equal(["code", "message"], error.EnumerateObject().Select(p => p.Name));
        Assert.True(versionError.GetProperty("error").TryGetProperty("message", out _));
        Assert.Equal(0, server.Meter.BilledRequests);
    }

    [Fact]
    public async Task DataSources_WithStreamOptions_IsRejected_WithoutThemItIsServed()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();
        var url = Deployment(server, "my-mini", "chat/completions");
        const string withData = """
            {"messages":[{"role":"user","content":"Hello"}],"data_sources":[{"type":"azure_search","parameters":{}}]
            """;

        var (rejected, _) = await FakeApi.PostJsonAsync(http, url, withData + ""","stream":true,"stream_options":{"include_usage":true}}""");
        var (served, json) = await FakeApi.PostJsonAsync(http, url, withData + "}");

        Assert.Equal(HttpStatusCode.BadRequest, rejected);
        Assert.Equal(HttpStatusCode.OK, served);
        Assert.Equal("gpt-4o-mini", json.GetProperty("model").GetString());
        Assert.Equal(1, server.Meter.BilledRequests);
    }

    [Fact]
    public async Task V1Responses_TheSdkSendsTheDeploymentAsModel_AndTheFakeBillsItsModel()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var client = AzureV1Client(server).GetResponsesClient();

        ResponseResult response = await client.CreateResponseAsync("my-mini", "Hello", cancellationToken: Ct);
        ResponseResult fetched = await client.GetResponseAsync(response.Id, Ct);

        Assert.Equal("gpt-4o-mini", response.Model);
        Assert.Equal(FakeBehavior.DefaultContentText, fetched.GetOutputText());
        Assert.Equal(8, response.Usage.InputTokenCount);
        var call = Assert.Single(server.Meter.Calls);
        Assert.Equal(("gpt-4o-mini", "my-mini", FakeEndpoints.Responses), (call.PricedAs, call.Deployment, call.Endpoint));
        Assert.Equal(FakeMeter.PriceOf("gpt-4o-mini", 8, 0, 5), server.Meter.TotalBilledUsd);
    }

    [Fact]
    public async Task V1_UnknownDeployment_IsDeploymentNotFound()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();

        var (status, json) = await FakeApi.PostJsonAsync(http, new Uri(server.Root, "openai/v1/chat/completions"), """{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("DeploymentNotFound", json.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Embeddings_OnBothRoutes_BillTheDeploymentsModel()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();

        var (status, json) = await FakeApi.PostJsonAsync(http, Deployment(server, "my-embed", "embeddings"), """{"input":"Hello"}""");
        OpenAIEmbeddingCollection viaSdk = await AzureV1Client(server).GetEmbeddingClient("my-embed").GenerateEmbeddingsAsync(["Hello"], cancellationToken: Ct);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("text-embedding-3-small", json.GetProperty("model").GetString());
        Assert.Equal(1, viaSdk.Usage.InputTokenCount);
        Assert.All(server.Meter.Calls, c => Assert.Equal(("text-embedding-3-small", "my-embed"), (c.PricedAs, c.Deployment)));
        Assert.Equal(2 * FakeMeter.PriceOf("text-embedding-3-small", 1, 0, 0), server.Meter.TotalBilledUsd);
    }

    [Fact]
    public async Task CustomDeployments_ServeCompletionsAndResponses_AndRejectTheWrongEndpoint()
    {
        var deployments = new Dictionary<string, string> { ["instruct"] = "gpt-3.5-turbo-instruct", ["five"] = "gpt-5-mini" };
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { AzureDeployments = deployments }, Ct);
        using var http = new HttpClient();

        var (completions, _) = await FakeApi.PostJsonAsync(http, Deployment(server, "instruct", "completions"), """{"prompt":"Hello"}""");
        var (responses, json) = await FakeApi.PostJsonAsync(http, Deployment(server, "five", "responses"), """{"input":"Hello"}""");
        var (wrong, _) = await FakeApi.PostJsonAsync(http, Deployment(server, "instruct", "chat/completions"), Hello);

        Assert.Equal(HttpStatusCode.OK, completions);
        Assert.Equal(HttpStatusCode.OK, responses);
        Assert.Equal("gpt-5-mini", json.GetProperty("model").GetString());
        Assert.Equal(HttpStatusCode.NotFound, wrong);
        Assert.Equal(["gpt-3.5-turbo-instruct", "gpt-5-mini"], server.Meter.Calls.Select(c => c.PricedAs));
    }
}
