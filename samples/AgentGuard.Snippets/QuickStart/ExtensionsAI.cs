#region quickstart-extensions-ai
using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;
#endregion
#region quickstart-agent-framework
using Microsoft.Agents.AI;
#endregion

namespace AgentGuard.Snippets.QuickStart;

/// <summary>The README's Microsoft.Extensions.AI and Microsoft Agent Framework quick starts.</summary>
public static class ExtensionsAI
{
    public static async Task RunAsync()
    {
        #region quickstart-extensions-ai
        var services = new ServiceCollection();
        services.AddHttpClient("openai").AddAgentGuard(o => o.BudgetUsd = 5);
        services.AddSingleton<IChatClient>(sp => new ChatClient("gpt-4o-mini",
                new ApiKeyCredential(Environment.GetEnvironmentVariable("OPENAI_API_KEY")!),
                new OpenAIClientOptions
                {
                    Transport = new HttpClientPipelineTransport(
                        sp.GetRequiredService<IHttpClientFactory>().CreateClient("openai")),
                })
            .AsIChatClient());

        await using var provider = services.BuildServiceProvider();
        IChatClient chatClient = provider.GetRequiredService<IChatClient>();
        ChatResponse response = await chatClient.GetResponseAsync("Name three rivers.");
        Console.WriteLine($"{response.Text} ({response.Usage?.TotalTokenCount} tokens)");
        #endregion

        #region quickstart-agent-framework
        AIAgent agent = new ChatClientAgent(chatClient,
            instructions: "You plan trips. Answer in three short bullet points.",
            name: "planner");

        AgentResponse plan = await agent.RunAsync("A weekend in Lisbon?");
        Console.WriteLine(plan.Text);
        #endregion
    }
}
