using AgentGuard.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;

namespace AgentGuard.Snippets;

/// <summary>docs/scopes.md.</summary>
public static class Scopes
{
    public static async Task ScopesAndWindowsAsync(IServiceCollection services, ChatClient chat)
    {
        #region scopes-and-windows
        services.AddHttpClient("openai").AddAgentGuard(o =>
        {
            o.BudgetUsd = 500;                       // the whole budget, per window
            o.BudgetName = "agents";
            o.Window = BudgetWindow.Monthly;         // Daily, Weekly (ISO), Monthly; None by default
            o.TimeZone = "Europe/Paris";             // windows follow this zone; UTC by default
            o.ScopeLimits["tenant"] = new ScopeLimit { DefaultUsd = 20, Overrides = { ["acme"] = 100 } };
            o.ScopeLimits["agent"] = new ScopeLimit { DefaultUsd = 5 };
        });

        using (BudgetScope.Begin("tenant", "acme"))
        using (BudgetScope.Begin("agent", "planner"))
        {
            await chat.CompleteChatAsync("Plan the week.");   // reserves from agents, agents/tenant:acme and agents/tenant:acme/agent:planner
        }
        #endregion
    }
}
