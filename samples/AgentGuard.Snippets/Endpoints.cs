using AgentGuard.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AgentGuard.Snippets;

/// <summary>docs/endpoints-and-bounds.md and docs/providers.md.</summary>
public static class Endpoints
{
    public static void AllowedEndpoints(IServiceCollection services)
    {
        #region allowed-unbounded-endpoints
        services.AddHttpClient("openai").AddAgentGuard(o =>
        {
            o.BudgetUsd = 5;
            o.AllowedUnboundedEndpoints.Add("openai:images");   // images/generations, images/edits, ... on OpenAI
            o.AllowedUnboundedEndpoints.Add("audio/speech");    // on any provider; not audio/transcriptions
        });
        #endregion
    }

    public static void HostedTools(IServiceCollection services)
    {
        #region hosted-tool-fees
        services.AddHttpClient("openai").AddAgentGuard(o =>
        {
            o.BudgetUsd = 5;
            o.HostedToolFees["web_search"] = 0.01m;     // USD per call: use OpenAI's current price
            o.HostedToolFees["file_search"] = 0.0025m;
        });
        #endregion
    }

    public static void Azure(IServiceCollection services)
    {
        #region azure-deployments
        services.AddHttpClient("azure-openai").AddAgentGuard(o =>
        {
            o.BudgetUsd = 20;
            o.AzureDeployments["prod-gpt4o"] = new AzureDeployment { Model = "gpt-4o" };
            o.AzureDeployments["eu-mini"] = new AzureDeployment { Model = "gpt-4o-mini", PriceMultiplier = 1.1m };  // a regional deployment
        });
        #endregion
    }

    public static void Gateway(IServiceCollection services)
    {
        #region provider-gateway
        services.AddHttpClient("gateway").AddAgentGuard(o =>
        {
            o.BudgetUsd = 5;
            o.Provider = AgentGuardProviders.OpenAI;   // "openai"; Azure OpenAI is "azure.ai.openai"
        });
        #endregion
    }
}
