using System.Collections.Frozen;

namespace AgentGuard.Http.Endpoints;

/// <summary>
/// Decides from a request's method and path what the guard does with it. A budget that another endpoint walks
/// around is no budget, so every POST is either guarded, known to be free, or refused unless allowed by name.
/// <para>
/// The API root is found in the path: <c>/openai/deployments/{deployment}/</c>, <c>/openai/v1/</c>, and <c>/openai/</c> with an
/// <c>api-version</c> query (Azure OpenAI, where the body's model names a deployment), else the last <c>/v1/</c>; a path
/// without one (a proxy's own prefix) is matched by its end. A proxy that mounts an OpenAI-compatible API at
/// <c>/openai/v1/</c> is taken for Azure: its models must then be mapped as deployments (a refusal, never an under-count).
/// </para>
/// </summary>
internal static class EndpointRouter
{
    private const string AzureDeployments = "/openai/deployments/";
    private const string AzureV1 = "/openai/v1/";
    private const string AzureRoot = "/openai/";
    private const string V1 = "/v1/";

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

    // Indexed by OpenAIEndpoint.
    private static readonly string[] GuardedNames = ["chat/completions", "responses", "embeddings", "completions"];

    public static EndpointRoute Route(HttpRequestMessage request)
    {
        if (request.RequestUri is not { } uri)
        {
            return EndpointRoute.PassThrough;
        }

        bool post = request.Method == HttpMethod.Post;
        if (!post && request.Method != HttpMethod.Get)
        {
            return EndpointRoute.PassThrough;
        }

        string path = uri.IsAbsoluteUri ? uri.AbsolutePath : uri.OriginalString.Split('?', 2)[0];
        string query = uri.IsAbsoluteUri ? uri.Query : (uri.OriginalString.Split('?', 2) is [_, var q] ? q : "");
        var (relative, isAzure, deployment) = SplitRoot(path, query);
        return post ? RoutePost(relative, isAzure, deployment) : RouteGet(relative, isAzure);
    }

    private static EndpointRoute RoutePost(string relative, bool isAzure, string? deployment)
    {
        if (GuardedEndpoint(relative) is { } endpoint)
        {
            // Guarded calls are named by their endpoint: no need to take the path apart on the hot path.
            return new EndpointRoute(RouteAction.Guard, GuardedNames[(int)endpoint], endpoint, isAzure, deployment);
        }

        string name = NameOf(relative);
        return s_freePosts.Contains(name) ? EndpointRoute.PassThrough with { Name = name } : new EndpointRoute(RouteAction.Unbounded, name, IsAzure: isAzure);
    }

    private static EndpointRoute RouteGet(string relative, bool isAzure)
    {
        // GET responses/{id}: the outcome of a background response the guard may hold a reservation for.
        int slash = relative.LastIndexOf('/');
        if (slash > 0 && relative.AsSpan(0, slash).EndsWith("responses", StringComparison.Ordinal)
            && (slash == "responses".Length || relative[slash - "responses".Length - 1] == '/')
            && IsId(relative.AsSpan(slash + 1)))
        {
            return new EndpointRoute(RouteAction.RetrieveResponse, "responses/{id}", OpenAIEndpoint.Responses, isAzure, ResponseId: Uri.UnescapeDataString(relative[(slash + 1)..]));
        }

        return EndpointRoute.PassThrough;
    }

    /// <summary>The guarded endpoint a path ends with, matched segment by segment.</summary>
    private static OpenAIEndpoint? GuardedEndpoint(string relative)
    {
        var span = relative.AsSpan();
        if (EndsWithSegments(span, "chat/completions"))
        {
            return OpenAIEndpoint.ChatCompletions;
        }

        if (EndsWithSegments(span, "completions"))
        {
            return OpenAIEndpoint.Completions;
        }

        if (EndsWithSegments(span, "embeddings"))
        {
            return OpenAIEndpoint.Embeddings;
        }

        return EndsWithSegments(span, "responses") ? OpenAIEndpoint.Responses : null;
    }

    private static bool EndsWithSegments(ReadOnlySpan<char> path, string segments) =>
        path.EndsWith(segments, StringComparison.OrdinalIgnoreCase)
        && (path.Length == segments.Length || path[path.Length - segments.Length - 1] == '/');

    /// <summary>The path below the API root, and the Azure deployment it names.</summary>
    private static (string Relative, bool IsAzure, string? Deployment) SplitRoot(string path, string query)
    {
        int at = path.IndexOf(AzureDeployments, StringComparison.OrdinalIgnoreCase);
        if (at >= 0)
        {
            string rest = path[(at + AzureDeployments.Length)..];
            int slash = rest.IndexOf('/');
            return slash <= 0
                ? (rest.Trim('/'), true, null)
                : (rest[(slash + 1)..].Trim('/'), true, Uri.UnescapeDataString(rest[..slash]));
        }

        at = path.IndexOf(AzureV1, StringComparison.OrdinalIgnoreCase);
        if (at >= 0)
        {
            return (path[(at + AzureV1.Length)..].Trim('/'), true, null);
        }

        // Azure's preview paths (/openai/responses?api-version=..., also behind AI Foundry project paths) name the
        // deployment in the body too: an api-version below /openai/ is Azure.
        at = path.IndexOf(AzureRoot, StringComparison.OrdinalIgnoreCase);
        if (at >= 0 && query.Contains("api-version=", StringComparison.OrdinalIgnoreCase))
        {
            return (path[(at + AzureRoot.Length)..].Trim('/'), true, null);
        }

        at = path.LastIndexOf(V1, StringComparison.OrdinalIgnoreCase);
        return (at >= 0 ? path[(at + V1.Length)..].Trim('/') : path.Trim('/'), false, null);
    }

    /// <summary>The path with ids replaced by <c>{id}</c>, lower case: <c>vector_stores/vs_abc123/files</c> is <c>vector_stores/{id}/files</c>.</summary>
    internal static string NameOf(string relative)
    {
        var segments = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < segments.Length; i++)
        {
            segments[i] = IsId(segments[i]) ? "{id}" : segments[i].ToLowerInvariant();
        }

        return string.Join('/', segments);
    }

    /// <summary>
    /// Route words are short lower-case words with underscores (<c>fine_tuning</c>, <c>input_tokens</c>); OpenAI ids carry
    /// digits, capitals or dashes (<c>resp_68af…</c>, <c>file-Abc…</c>), or are long.
    /// </summary>
    private static bool IsId(ReadOnlySpan<char> segment)
    {
        if (segment.IsEmpty)
        {
            return false;
        }

        if (segment.Length > 24)
        {
            return true;
        }

        foreach (char c in segment)
        {
            if (c is not ((>= 'a' and <= 'z') or '_'))
            {
                return true;
            }
        }

        return false;
    }
}
