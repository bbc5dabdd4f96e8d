using AgentGuard.Http.Providers;
using AgentGuard.Http.Providers.OpenAI;

namespace AgentGuard.Http.Tests.Providers;

/// <summary>Every POST is guarded, known to be free, or unbounded; reads pass; providers are chosen by host, path, client or request.</summary>
public sealed class ProviderRouterTests
{
    [Theory]
    [InlineData("https://api.openai.com/v1/chat/completions", "ChatCompletions")]
    [InlineData("https://api.openai.com/v1/responses", "Responses")]
    [InlineData("https://api.openai.com/v1/embeddings", "Embeddings")]
    [InlineData("https://api.openai.com/v1/completions", "Completions")]
    [InlineData("https://eu.api.openai.com/v1/chat/completions/", "ChatCompletions")]
    [InlineData("http://127.0.0.1:5000/chat/completions", "ChatCompletions")]
    [InlineData("https://proxy.example/api/openai/Chat/Completions", "ChatCompletions")]
    [InlineData("https://proxy.example/api/openai/responses?x=1", "Responses")]
    public void GuardedPosts(string url, string endpoint)
    {
        var route = Route(HttpMethod.Post, url);

        Assert.Equal(RouteAction.Guard, route.Action);
        Assert.Same(Operation(endpoint), route.Operation);
        Assert.Same(LlmProviders.OpenAI, route.Provider);
        Assert.Null(route.Deployment);
    }

    [Theory]
    [InlineData("https://r.openai.azure.com/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21", "ChatCompletions", "my-gpt4o")]
    [InlineData("https://r.openai.azure.com/openai/deployments/my%20embed/embeddings?api-version=2024-10-21", "Embeddings", "my embed")]
    [InlineData("https://r.openai.azure.com/openai/deployments/d1/completions?api-version=2024-10-21", "Completions", "d1")]
    [InlineData("https://r.openai.azure.com/openai/v1/responses", "Responses", null)]
    [InlineData("https://r.openai.azure.com/openai/v1/chat/completions", "ChatCompletions", null)]
    [InlineData("https://r.openai.azure.com/openai/responses?api-version=2025-04-01-preview", "Responses", null)]
    [InlineData("https://p.services.ai.azure.com/api/projects/p1/openai/responses?api-version=2025-04-01-preview", "Responses", null)]
    public void AzurePosts_AreGuardedAndNameTheirDeployment(string url, string endpoint, string? deployment)
    {
        var route = Route(HttpMethod.Post, url);

        Assert.Equal(RouteAction.Guard, route.Action);
        Assert.Same(Operation(endpoint), route.Operation);
        Assert.Same(LlmProviders.AzureOpenAI, route.Provider);
        Assert.Equal(deployment, route.Deployment);
    }

    [Theory]
    [InlineData("https://api.openai.com/v1/images/generations", "images/generations")]
    [InlineData("https://api.openai.com/v1/images/edits", "images/edits")]
    [InlineData("https://api.openai.com/v1/audio/speech", "audio/speech")]
    [InlineData("https://api.openai.com/v1/audio/transcriptions", "audio/transcriptions")]
    [InlineData("https://api.openai.com/v1/realtime/sessions", "realtime/sessions")]
    [InlineData("https://api.openai.com/v1/realtime/client_secrets", "realtime/client_secrets")]
    [InlineData("https://api.openai.com/v1/batches", "batches")]
    [InlineData("https://api.openai.com/v1/fine_tuning/jobs", "fine_tuning/jobs")]
    [InlineData("https://api.openai.com/v1/vector_stores", "vector_stores")]
    [InlineData("https://api.openai.com/v1/vector_stores/vs_68af3c2b/files", "vector_stores/{id}/files")]
    [InlineData("https://api.openai.com/v1/vector_stores/vs_68af3c2b/file_batches", "vector_stores/{id}/file_batches")]
    [InlineData("https://api.openai.com/v1/threads/thread_abc123/runs", "threads/{id}/runs")]
    [InlineData("https://api.openai.com/v1/something/new", "something/new")]
    [InlineData("https://r.openai.azure.com/openai/deployments/dall-e-3/images/generations?api-version=2024-10-21", "images/generations")]
    public void PostsThatCanCostMoneyTheGuardCannotBound_AreUnbounded(string url, string name)
    {
        var route = Route(HttpMethod.Post, url);

        Assert.Equal(RouteAction.Unbounded, route.Action);
        Assert.Equal(name, route.Name);
    }

    [Theory]
    [InlineData("https://api.openai.com/v1/moderations")]
    [InlineData("https://api.openai.com/v1/files")]
    [InlineData("https://api.openai.com/v1/uploads/upload_abc123/parts")]
    [InlineData("https://api.openai.com/v1/responses/resp_68af3c2b9e/cancel")]
    [InlineData("https://api.openai.com/v1/responses/input_tokens")]
    [InlineData("https://api.openai.com/v1/conversations")]
    [InlineData("https://api.openai.com/v1/conversations/conv_68af3c2b/items")]
    [InlineData("https://api.openai.com/v1/chat/completions/chatcmpl-AbC123")]
    [InlineData("https://api.openai.com/v1/batches/batch_abc123/cancel")]
    public void FreePosts_PassThrough(string url) => Assert.Equal(RouteAction.PassThrough, Route(HttpMethod.Post, url).Action);

    [Theory]
    [InlineData("GET", "https://api.openai.com/v1/models")]
    [InlineData("GET", "https://api.openai.com/v1/chat/completions")]
    [InlineData("GET", "https://api.openai.com/v1/batches/batch_abc123")]
    [InlineData("DELETE", "https://api.openai.com/v1/responses/resp_68af3c2b9e")]
    [InlineData("GET", "https://api.openai.com/v1/responses/resp_68af3c2b9e/input_items")]
    [InlineData("PUT", "https://api.openai.com/v1/images/generations")]
    public void ReadsAndOtherMethods_PassThrough(string method, string url) => Assert.Equal(RouteAction.PassThrough, Route(new HttpMethod(method), url).Action);

    [Theory]
    [InlineData("https://api.openai.com/v1/responses/resp_68af3c2b9e?include[]=x", "resp_68af3c2b9e")]
    [InlineData("https://r.openai.azure.com/openai/v1/responses/resp_1", "resp_1")]
    [InlineData("https://r.openai.azure.com/openai/responses/resp_1?api-version=2025-04-01-preview", "resp_1")]
    public void GetOfAResponse_IsARetrieval(string url, string id)
    {
        var route = Route(HttpMethod.Get, url);

        Assert.Equal(RouteAction.RetrieveResponse, route.Action);
        Assert.Equal(id, route.ResponseId);
    }

    [Fact]
    public void OpenAIPathWithoutApiVersion_IsNotAzure() =>
        Assert.Same(LlmProviders.OpenAI, Route(HttpMethod.Post, "https://proxy.example/openai/responses").Provider);

    [Fact]
    public void RelativeUri_IsRoutedByItsPath()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("v1/embeddings?x=1", UriKind.Relative));

        var route = ProviderRouter.ByRequest.Route(request);

        Assert.Same(OpenAIOperations.Embeddings, route.Operation);
        Assert.Equal(RouteAction.Guard, route.Action);
    }

    [Fact]
    public void NoUri_PassesThrough()
    {
        using var request = new HttpRequestMessage { Method = HttpMethod.Post };

        Assert.Equal(RouteAction.PassThrough, ProviderRouter.ByRequest.Route(request).Action);
    }

    [Theory]
    [InlineData("https://api.openai.com/openai/deployments/d1/chat/completions?api-version=2024-10-21", "openai")]
    [InlineData("https://eu.api.openai.com/openai/v1/responses", "openai")]
    [InlineData("https://r.openai.azure.com/v1/chat/completions", "azure.ai.openai")]
    [InlineData("https://r.cognitiveservices.azure.com/openai/v1/chat/completions", "azure.ai.openai")]
    [InlineData("https://p.services.ai.azure.com/openai/v1/embeddings", "azure.ai.openai")]
    [InlineData("https://R.OpenAI.Azure.com/openai/v1/chat/completions", "azure.ai.openai")]
    public void AProvidersHost_DecidesOverThePathsShape(string url, string provider) =>
        Assert.Equal(provider, Route(HttpMethod.Post, url).Provider!.Name);

    [Fact]
    public void AClientThatNamesItsProvider_IsRoutedToItWhateverThePath()
    {
        // A proxy that mounts OpenAI's API under /openai/v1/ would be taken for Azure by its path alone.
        var router = new ProviderRouter(LlmProviders.OpenAI);
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://gateway.internal/openai/v1/chat/completions");

        var route = router.Route(request);

        Assert.Same(LlmProviders.AzureOpenAI, ProviderRouter.ByRequest.Route(request).Provider);
        Assert.Same(LlmProviders.OpenAI, route.Provider);
        Assert.Same(OpenAIOperations.ChatCompletions, route.Operation);
        Assert.Null(route.Deployment);
    }

    [Fact]
    public void ARequestThatNamesItsProvider_OverridesTheClientAndTheHost()
    {
        var router = new ProviderRouter(LlmProviders.OpenAI);
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/openai/deployments/d1/embeddings?api-version=2024-10-21");
        request.Options.Set(AgentGuardProviders.RequestOptionKey, AgentGuardProviders.AzureOpenAI);

        var route = router.Route(request);

        Assert.Same(LlmProviders.AzureOpenAI, route.Provider);
        Assert.Same(OpenAIOperations.Embeddings, route.Operation);
        Assert.Equal("d1", route.Deployment);
    }

    [Fact]
    public void ARequestThatNamesAnUnknownProvider_IsRefusedWithTheKnownNames()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions");
        request.Options.Set(AgentGuardProviders.RequestOptionKey, "mistral");

        var error = Assert.Throws<InvalidOperationException>(() => ProviderRouter.ByRequest.Route(request));

        Assert.Contains("'mistral'", error.Message, StringComparison.Ordinal);
        Assert.Contains("openai", error.Message, StringComparison.Ordinal);
    }

    private static LlmOperation Operation(string name) => name switch
    {
        "ChatCompletions" => OpenAIOperations.ChatCompletions,
        "Responses" => OpenAIOperations.Responses,
        "Embeddings" => OpenAIOperations.Embeddings,
        "Completions" => OpenAIOperations.Completions,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    private static ProviderRoute Route(HttpMethod method, string url)
    {
        using var request = new HttpRequestMessage(method, new Uri(url));
        return ProviderRouter.ByRequest.Route(request);
    }
}
