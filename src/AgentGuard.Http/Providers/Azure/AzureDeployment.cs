namespace AgentGuard.Http;

/// <summary>An Azure OpenAI deployment: the model it runs, and what its prices are multiplied by.</summary>
public sealed class AzureDeployment
{
    /// <summary>The OpenAI model the deployment runs (a key of the price table, for example <c>gpt-4o</c>).</summary>
    public string Model { get; set; } = "";

    /// <summary>Multiplies the model's prices for this deployment (regional and data-zone deployments differ). Default: 1.</summary>
    public decimal PriceMultiplier { get; set; } = 1m;
}
