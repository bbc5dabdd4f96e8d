using AgentGuard.Http.Pricing;

namespace AgentGuard.Cli.Pricing.Import;

/// <summary>
/// <c>agentguard prices import</c>: a prices file that <c>AgentGuardOptions.PricesFile</c> reads, built from genai-prices'
/// data with the built-in overrides (as the shipped table is), or a prices file of this library's format checked and
/// rewritten.
/// </summary>
internal static class PriceImport
{
    public static ImportResult Run(string path, DateOnly date, IReadOnlyCollection<string> providers, Stream output)
    {
        var (source, table) = PriceSourceFile.Read(path);
        if (table is not null)
        {
            var models = table.Models.Where(m => m.Value.Providers.Count == 0 || m.Value.Providers.Any(providers.Contains)).ToList();
            PriceTableJson.Write(output, table.BaseOrigin.Date, table.BaseOrigin.Source, models);
            return new ImportResult(table.BaseOrigin.Name, table.BaseOrigin.Date, table.BaseOrigin.Source, Count(models), [], []);
        }

        var built = TableBuilder.Build(source!, Overrides.BuiltIn(), date, providers);
        string dated = date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        string description =
            $"pydantic genai-prices (MIT, https://github.com/pydantic/genai-prices): {source!.Description}, at the prices in force on or after {dated}, " +
            $"for {string.Join(", ", PriceProviders.All.Where(providers.Contains))}; with the hand-kept overrides of tools/price-generator/overrides.json " +
            "(max output tokens from LiteLLM's model_prices_and_context_window.json, tiers, image rules, encodings, hand-checked facts; the higher price where sources differ).";
        PriceTableJson.Write(output, dated, description, built.Models);
        return new ImportResult(source.Description, dated, description, Count(built.Models), built.LeftOut, built.UnusedFacts);
    }

    /// <summary>How many models each provider bills (a model several bill counts for each).</summary>
    private static Dictionary<string, int> Count(IEnumerable<KeyValuePair<string, AgentGuard.Http.ModelPrice>> models)
    {
        var counts = PriceProviders.All.ToDictionary(p => p, _ => 0, StringComparer.Ordinal);
        foreach (var (_, price) in models)
        {
            foreach (string provider in price.Providers)
            {
                counts[provider]++;
            }
        }

        return counts;
    }
}

/// <summary>What an import read and wrote.</summary>
internal sealed record ImportResult(
    string Read,
    string? Date,
    string Source,
    IReadOnlyDictionary<string, int> ModelsByProvider,
    IReadOnlyList<(string Model, string Providers, string Why)> LeftOut,
    IReadOnlyList<string> UnusedFacts);
