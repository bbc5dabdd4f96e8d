using System.Collections.Frozen;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// The endpoints of the OpenAI API below its root (<c>/v1/</c> on OpenAI, the deployment or <c>/openai/v1/</c> on Azure): which
/// are guarded, which are known to be free, and which can cost money the guard cannot bound. A budget that another endpoint
/// walks around is no budget, so every POST is one of the three. Shared by every provider that serves the OpenAI API.
/// </summary>
internal static class OpenAIRoutes
{
    /// <summary>POSTs that create, change or cancel things without running a model: no budget is at stake.</summary>
    private static readonly FrozenSet<string> s_freePosts = new[]
    {
        "moderations",
        "files", "uploads", "uploads/{id}/parts", "uploads/{id}/complete", "uploads/{id}/cancel",
        "responses/{id}/cancel", "responses/input_tokens",
        "conversations", "conversations/{id}", "conversations/{id}/items",
        "chat/completions/{id}",
        "batches/{id}/cancel",
        "fine_tuning/jobs/{id}/cancel", "fine_tuning/jobs/{id}/pause", "fine_tuning/jobs/{id}/resume",
        "assistants", "assistants/{id}",
        "threads", "threads/{id}", "threads/{id}/messages", "threads/{id}/messages/{id}",
        "vector_stores/{id}", "vector_stores/{id}/file_batches/{id}/cancel",
        "evals", "evals/{id}",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Routes a request to <paramref name="provider"/> by its path below the API root.</summary>
    /// <param name="provider">The provider serving the OpenAI API here.</param>
    /// <param name="isPost">Whether the request is a POST (else a GET).</param>
    /// <param name="relative">The path below the API root.</param>
    /// <param name="deployment">The deployment the path names, if any.</param>
    public static ProviderRoute Route(LlmProvider provider, bool isPost, string relative, string? deployment) =>
        isPost ? RoutePost(provider, relative, deployment) : RouteGet(provider, relative);

    private static ProviderRoute RoutePost(LlmProvider provider, string relative, string? deployment)
    {
        if (GuardedOperation(relative) is { } operation)
        {
            // Guarded calls are named by their endpoint: no need to take the path apart on the hot path.
            return new ProviderRoute(RouteAction.Guard, operation.Name, provider, operation, deployment);
        }

        string name = RouteNames.NameOf(relative);
        return s_freePosts.Contains(name)
            ? ProviderRoute.PassThrough with { Name = name, Provider = provider }
            : new ProviderRoute(RouteAction.Unbounded, name, provider);
    }

    private static ProviderRoute RouteGet(LlmProvider provider, string relative)
    {
        // GET responses/{id}: the outcome of a background response the guard may hold a reservation for.
        int slash = relative.LastIndexOf('/');
        if (slash > 0 && relative.AsSpan(0, slash).EndsWith("responses", StringComparison.Ordinal)
            && (slash == "responses".Length || relative[slash - "responses".Length - 1] == '/')
            && RouteNames.IsId(relative.AsSpan(slash + 1)))
        {
            return new ProviderRoute(RouteAction.RetrieveResponse, "responses/{id}", provider, OpenAIOperations.Responses,
                ResponseId: Uri.UnescapeDataString(relative[(slash + 1)..]));
        }

        return ProviderRoute.PassThrough;
    }

    /// <summary>The guarded operation a path ends with, matched segment by segment.</summary>
    private static LlmOperation? GuardedOperation(string relative)
    {
        var span = relative.AsSpan();
        if (RouteNames.EndsWithSegments(span, "chat/completions"))
        {
            return OpenAIOperations.ChatCompletions;
        }

        if (RouteNames.EndsWithSegments(span, "completions"))
        {
            return OpenAIOperations.Completions;
        }

        if (RouteNames.EndsWithSegments(span, "embeddings"))
        {
            return OpenAIOperations.Embeddings;
        }

        return RouteNames.EndsWithSegments(span, "responses") ? OpenAIOperations.Responses : null;
    }
}
