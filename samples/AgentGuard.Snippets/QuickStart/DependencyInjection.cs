#region quickstart-di
using System.ClientModel;
using System.ClientModel.Primitives;
using AgentGuard.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenAI;
using OpenAI.Chat;
#endregion

namespace AgentGuard.Snippets.QuickStart;

/// <summary>The README's first quick start: the official OpenAI SDK on a guarded client from IHttpClientFactory.</summary>
public static class DependencyInjection
{
    public static async Task RunAsync()
    {
        #region quickstart-di
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddConsole());

        // The (sp, o) overload: callbacks can use services, here a logger.
        services.AddHttpClient("openai").AddAgentGuard((sp, o) =>
        {
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Budget");
            o.BudgetUsd = 5;
            o.OnWarning = w => logger.LogWarning("{Threshold}% of budget {Budget} used", w.Threshold, w.BudgetName);
        });

        // Any OpenAI SDK client whose transport is the guarded HttpClient is guarded.
        services.AddSingleton(sp => new OpenAIClient(
            new ApiKeyCredential(Environment.GetEnvironmentVariable("OPENAI_API_KEY")!),
            new OpenAIClientOptions
            {
                Endpoint = new Uri("https://api.openai.com/v1"),   // or a gateway, Azure's /openai/v1/, a local server
                Transport = new HttpClientPipelineTransport(
                    sp.GetRequiredService<IHttpClientFactory>().CreateClient("openai")),
            }));

        await using var provider = services.BuildServiceProvider();
        ChatClient chat = provider.GetRequiredService<OpenAIClient>().GetChatClient("gpt-4o-mini");
        ChatCompletion reply = await chat.CompleteChatAsync("Say hello in five words.");
        Console.WriteLine(reply.Content[0].Text);

        // The budget, by name (the client's name unless BudgetName says otherwise):
        Console.WriteLine(provider.GetRequiredKeyedService<BudgetedSession>("openai").GetSummary());
        #endregion
    }
}
