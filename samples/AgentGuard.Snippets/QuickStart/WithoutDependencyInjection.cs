#region quickstart-no-di
using AgentGuard.Http;
using OpenAI.Chat;
#endregion

namespace AgentGuard.Snippets.QuickStart;

/// <summary>The README's quick start without dependency injection: <c>BudgetedSession.OpenAI</c>.</summary>
public static class WithoutDependencyInjection
{
    public static void Run()
    {
        #region quickstart-no-di
        var client = BudgetedSession.OpenAI(      // apiKey: defaults to OPENAI_API_KEY; endpoint: another server
            budgetUsd: 5m,
            onBudgetExceeded: e => Console.WriteLine($"Budget hit: {e.Message}"),
            onWarning: w => Console.WriteLine($"{w.Threshold}% of the budget used"));

        ChatCompletion response = client.GetChatClient("gpt-4o-mini").CompleteChat("Hello");
        Console.WriteLine(response.Content[0].Text);
        Console.WriteLine(client.Session.GetSummary());
        #endregion
    }
}
