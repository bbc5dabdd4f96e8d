using AgentGuard.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AgentGuard.Snippets;

/// <summary>docs/configuration.md.</summary>
public static class Configuration
{
    public static void FromConfiguration(IServiceCollection services, IConfiguration configuration)
    {
        #region from-configuration
        services.AddHttpClient("openai").AddAgentGuard(configuration.GetSection("AgentGuard"),
            o => o.OnWarning = w => Console.WriteLine($"{w.Threshold}% used"));   // callbacks cannot come from configuration
        #endregion
    }

    public static void Prices(IServiceCollection services)
    {
        #region custom-price
        services.AddHttpClient("openai").AddAgentGuard(o =>
        {
            o.BudgetUsd = 5;
            o.Prices["my-model"] = new ModelPrice
            {
                InputUsdPerMillionTokens = 1m,
                OutputUsdPerMillionTokens = 4m,
                ContextWindowTokens = 128_000,
                MaxOutputTokens = 16_384,
                Encoding = "o200k_base",
            };
        });
        #endregion
    }
}
