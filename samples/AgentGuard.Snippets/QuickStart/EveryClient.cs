using Microsoft.Extensions.DependencyInjection;

namespace AgentGuard.Snippets.QuickStart;

/// <summary>The README's guard of every client the factory creates.</summary>
public static class EveryClient
{
    public static void Configure(IServiceCollection services)
    {
        #region guard-every-client
        // Every HttpClient the factory creates, named or not (CreateClient() too), draws from one budget, "default".
        services.ConfigureHttpClientDefaults(b => b.AddAgentGuard(o => o.BudgetUsd = 5));
        #endregion
    }
}
