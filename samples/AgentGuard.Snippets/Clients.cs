using System.ClientModel;
using System.ClientModel.Primitives;
using Azure.AI.OpenAI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;

namespace AgentGuard.Snippets;

/// <summary>docs/clients.md.</summary>
public static class Clients
{
    public static OpenAI.Chat.ChatClient Azure(IHttpClientFactory factory, Uri endpoint, string key)
    {
        #region azure-openai-client
        var http = factory.CreateClient("azure-openai");   // guarded, with AzureDeployments mapped (see Azure OpenAI)
        var azure = new AzureOpenAIClient(endpoint, new ApiKeyCredential(key),
            new AzureOpenAIClientOptions { Transport = new HttpClientPipelineTransport(http) });
        var chat = azure.GetChatClient("prod-gpt4o");     // the deployment name
        #endregion
        return chat;
    }

    public static void SemanticKernel(IServiceCollection services, Uri endpoint, string apiKey)
    {
        #region semantic-kernel-default-client
        services.AddHttpClient(Options.DefaultName).AddAgentGuard(o => o.BudgetUsd = 5);   // budget "default"
        services.AddOpenAIChatCompletion("gpt-4o-mini", endpoint, apiKey);
        #endregion
    }

    public static void Resilience(IServiceCollection services)
    {
        #region resilience-order
        services.AddHttpClient("openai").AddStandardResilienceHandler();     // first: outer (retries, timeouts, circuit breaker)
        services.AddHttpClient("openai").AddAgentGuard(o => o.BudgetUsd = 5);  // then: inner, every attempt reserved and settled
        #endregion
    }
}
