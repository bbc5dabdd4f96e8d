using AgentGuard.Http;
using AgentGuard.Http.Pricing;

namespace AgentGuard.Cli.Pricing;

/// <summary>The price table a guard with <c>PricesFile = file</c> would use: built by the library itself, never restated here.</summary>
internal static class EffectivePrices
{
    public static PriceTable Load(string? pricesFile) =>
        GuardPolicy.BuildPriceTable(new AgentGuardOptions { PricesFile = pricesFile is null ? null : Path.GetFullPath(pricesFile) });
}
