using AgentGuard.Http.Providers.OpenAI;
using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Providers.Azure;

/// <summary>
/// Azure OpenAI: the OpenAI API and its operations, on Azure's paths, where a request's <c>model</c> (or the path) names a
/// deployment that <see cref="AgentGuardOptions.AzureDeployments"/> maps to the model it runs. The API root is
/// <c>/openai/deployments/{deployment}/</c>, <c>/openai/v1/</c>, or <c>/openai/</c> with an <c>api-version</c> query (the
/// preview paths, also behind AI Foundry project paths). On a host no provider owns, those paths are taken for Azure: a
/// proxy that mounts another API at <c>/openai/v1/</c> then needs its models mapped as deployments, or its provider named
/// (<see cref="AgentGuardOptions.Provider"/>); a refusal either way, never an under-count.
/// </summary>
internal sealed class AzureOpenAIProvider : OpenAIProvider
{
    private const string DeploymentsRoot = "/openai/deployments/";
    private const string V1Root = "/openai/v1/";
    private const string PreviewRoot = "/openai/";

    public override string Name => AgentGuardProviders.AzureOpenAI;

    public override string DisplayName => "Azure OpenAI";

    /// <summary>Azure OpenAI resources, Azure AI services and AI Foundry hosts.</summary>
    public override bool OwnsHost(string host) =>
        host.EndsWith(".openai.azure.com", StringComparison.Ordinal)
        || host.EndsWith(".cognitiveservices.azure.com", StringComparison.Ordinal)
        || host.EndsWith(".services.ai.azure.com", StringComparison.Ordinal);

    public override bool ClaimsPath(in RequestTarget target) => Root(target) is not null;

    public override ProviderRoute Route(in RequestTarget target)
    {
        if (Root(target) is not var (relative, deployment))
        {
            // An Azure host, or a client that names this provider, with a path of another shape: below the last /v1/.
            return base.Route(target);
        }

        return OpenAIRoutes.Route(this, target.IsPost, relative, deployment);
    }

    /// <summary>The deployment's model and price multiplier: a deployment missing from the map cannot be priced.</summary>
    public override (string Model, decimal PriceMultiplier) ResolveModel(in ProviderRoute route, GuardedRequest request, GuardPolicy policy)
    {
        string deployment = route.Deployment ?? request.Model;
        if (!policy.AzureDeployments.TryGetValue(deployment, out var target))
        {
            throw new UnboundedRequestException(UnboundedRequestReason.UnknownDeployment,
                $"The Azure OpenAI deployment '{deployment}' has no model in AgentGuardOptions.AzureDeployments, so the price of the call cannot be known " +
                $"and it was not sent. Map it: AzureDeployments[\"{deployment}\"] = new AzureDeployment {{ Model = \"gpt-4o\" }} (the model the deployment runs).");
        }

        return target;
    }

    /// <summary>
    /// Azure rejects <c>stream_options</c> on some requests (<c>data_sources</c>, images) and the guard cannot tell which: streams
    /// here are never rewritten, and one that brings no usage is charged its reservation.
    /// </summary>
    public override bool InjectsStreamUsage => false;

    /// <summary>The path below the API root, and the deployment it names; <see langword="null"/> for a path of no Azure shape.</summary>
    private static (string Relative, string? Deployment)? Root(in RequestTarget target)
    {
        string path = target.Path;
        int at = path.IndexOf(DeploymentsRoot, StringComparison.OrdinalIgnoreCase);
        if (at >= 0)
        {
            string rest = path[(at + DeploymentsRoot.Length)..];
            int slash = rest.IndexOf('/');
            return slash <= 0
                ? (rest.Trim('/'), null)
                : (rest[(slash + 1)..].Trim('/'), Uri.UnescapeDataString(rest[..slash]));
        }

        at = path.IndexOf(V1Root, StringComparison.OrdinalIgnoreCase);
        if (at >= 0)
        {
            return (path[(at + V1Root.Length)..].Trim('/'), null);
        }

        // The preview paths name the deployment in the body: an api-version below /openai/ is Azure.
        at = path.IndexOf(PreviewRoot, StringComparison.OrdinalIgnoreCase);
        return at >= 0 && target.Query.Contains("api-version=", StringComparison.OrdinalIgnoreCase)
            ? (path[(at + PreviewRoot.Length)..].Trim('/'), null)
            : null;
    }
}
