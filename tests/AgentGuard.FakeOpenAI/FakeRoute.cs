using System.Text.Json;

namespace AgentGuard.FakeOpenAI;

/// <summary>A model a request resolved to: the name it echoes and bills, its prices, and the Azure
/// deployment that named it.</summary>
internal sealed record ResolvedModel(string Model, FakeModelPrice Price, string? Deployment);

/// <summary>How a request names its model. OpenAI: the body's <c>model</c>. Azure deployment routes: the
/// deployment in the path (already resolved, the body's model is ignored). Azure v1 routes: the body's
/// <c>model</c> is a deployment name.</summary>
internal sealed record FakeRoute(bool Azure, string? Deployment = null, string? DeploymentModel = null)
{
    public static FakeRoute OpenAI { get; } = new(Azure: false);

    public static FakeRoute AzureV1 { get; } = new(Azure: true);

    /// <summary>Whether the body must carry <c>model</c>.</summary>
    public bool NeedsBodyModel => DeploymentModel is null;

    /// <summary>The body's model (when the route needs it), its deployment and its prices; the model
    /// must serve <paramref name="kind"/>.</summary>
    public ResolvedModel? Resolve(JsonElement root, FakeBehavior behavior, FakeModelKind kind, string endpoint, out OpenAIError? error)
    {
        error = null;
        string model;
        string? deployment = Deployment;
        if (DeploymentModel is not null)
        {
            model = DeploymentModel;
        }
        else if (!root.TryGetProperty("model", out var element) || element.ValueKind != JsonValueKind.String)
        {
            error = OpenAIError.MissingModel();
            return null;
        }
        else if (Azure)
        {
            deployment = element.GetString()!;
            if (!behavior.AzureDeployments.TryGetValue(deployment, out var mapped))
            {
                error = OpenAIError.DeploymentNotFound(deployment);
                return null;
            }

            model = mapped;
        }
        else
        {
            model = element.GetString()!;
        }

        if (!FakePrices.TryResolve(model, out var price))
        {
            error = OpenAIError.ModelNotFound(model);
            return null;
        }

        if (price.Kind != kind)
        {
            error = OpenAIError.WrongEndpoint(model, endpoint);
            return null;
        }

        return new ResolvedModel(model, price, deployment);
    }
}
