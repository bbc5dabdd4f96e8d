using AgentGuard.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;

namespace AgentGuard.Snippets;

/// <summary>The README's refusals and fit-to-budget.</summary>
public static class Refusals
{
    public static async Task CallAsync(ChatClient chat)
    {
        #region refusals
        try
        {
            ChatCompletion reply = await chat.CompleteChatAsync("Summarize the incident report.");
            Console.WriteLine(reply.Content[0].Text);
        }
        catch (BudgetExceededException e)
        {
            // Nothing was sent. Advice: why the call's worst case is what it is, and which fix applies.
            Console.WriteLine($"Needed ${e.RequiredUsd}, ${e.RemainingUsd} left in '{e.BudgetName}'. {e.Advice}");
        }
        catch (ProviderSpendLimitException e)
        {
            // The provider's own spend limit or quota (insufficient_quota, ...): not billed, not retried.
            Console.WriteLine($"{e.Provider} answered {e.StatusCode} {e.Code}: raise the limit in its billing settings.");
        }
        #endregion
    }

    public static void Strict(IServiceCollection services)
    {
        #region strict-mode
        services.AddHttpClient("openai").AddAgentGuard(o =>
        {
            o.BudgetUsd = 5;
            o.ClampOutputToBudget = false;      // strict: refuse every call whose worst case does not fit
            o.DefaultMaxOutputTokens = 2_000;   // requests without an output cap are sent with this one
            o.RefusalMode = BudgetRefusalMode.PaymentRequiredResponse;   // a 402 instead of an exception
        });
        #endregion
    }
}
