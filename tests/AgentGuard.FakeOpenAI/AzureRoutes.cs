using Microsoft.AspNetCore.Http;

namespace AgentGuard.FakeOpenAI;

/// <summary>Azure OpenAI paths: <c>/openai/deployments/{deployment}/{operation}?api-version=...</c> (the
/// deployment in the path names the model) and <c>/openai/v1/{operation}</c> (the body's model is a
/// deployment name). Operations: chat/completions, completions, embeddings, responses.</summary>
internal static class AzureRoutes
{
    public const string DeploymentsPrefix = "/openai/deployments/";
    public const string V1Prefix = "/openai/v1/";

    /// <summary>Splits <c>/openai/deployments/{deployment}/{operation}</c>; false for other paths.</summary>
    public static bool TrySplitDeployment(string path, out string deployment, out string operation)
    {
        deployment = operation = string.Empty;
        if (!path.StartsWith(DeploymentsPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = path[DeploymentsPrefix.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return false;
        }

        deployment = Uri.UnescapeDataString(rest[..slash]);
        operation = rest[(slash + 1)..];
        return true;
    }

    /// <summary>The route of a deployment path, or the error to answer: a missing api-version (400), an
    /// unknown deployment (404 DeploymentNotFound).</summary>
    public static FakeRoute? ResolveDeployment(HttpRequest request, string deployment, FakeBehavior behavior, out OpenAIError? error)
    {
        error = null;
        if (string.IsNullOrEmpty(request.Query["api-version"].ToString()))
        {
            error = OpenAIError.MissingApiVersion();
            return null;
        }

        if (!behavior.AzureDeployments.TryGetValue(deployment, out var model))
        {
            error = OpenAIError.DeploymentNotFound(deployment);
            return null;
        }

        return new FakeRoute(Azure: true, deployment, model);
    }
}
