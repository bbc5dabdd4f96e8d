using AgentGuard.Http;
using AgentGuard.Http.Pricing;

namespace AgentGuard.Cli.Pricing.Import;

/// <summary>
/// Builds the price table from genai-prices' data and the overrides: the shipped table (tools/price-generator) and a
/// user's refresh (<c>agentguard prices import</c>) are built by this one code path.
/// <list type="number">
/// <item>Each model of the chosen providers, at the highest prices that can be in force on or after the date.</item>
/// <item>The overrides' limits for it (a second source's max output, and context window where it is larger).</item>
/// <item>The same model of several providers (Azure's o3-2025-04-16 is OpenAI's o3, Vertex AI's claude-4-opus is
/// Anthropic's claude-opus-4-0) is one entry: the table is looked up by model name, so it takes the higher of every
/// price and limit.</item>
/// <item>The providers' tier multipliers, then the hand-checked facts.</item>
/// <item>A model without an input price, an output price, a context window and a max output is left out, never guessed.</item>
/// </list>
/// </summary>
internal static class TableBuilder
{
    public static BuiltTable Build(SourceData source, Overrides overrides, DateOnly date, IReadOnlyCollection<string> providers)
    {
        var drafts = new List<ModelDraft>();
        var byName = new Dictionary<string, ModelDraft>(StringComparer.Ordinal);
        var limits = overrides.Limits.ToLookup(l => (l.Provider, l.Model));
        string sourceName = source.Description.StartsWith("@pydantic/genai-prices", StringComparison.Ordinal)
            ? source.Description[..source.Description.IndexOf(" (", StringComparison.Ordinal)]
            : "genai-prices";
        foreach (string provider in PriceProviders.All.Where(providers.Contains))
        {
            foreach (var model in source.Providers.Where(p => p.Id == provider).SelectMany(p => p.Models))
            {
                var draft = SourcePrices.ToDraft(model, date, sourceName);
                foreach (var line in limits[(provider, model.Id)])
                {
                    draft.MaxOutputTokens = ModelDraft.Max(draft.MaxOutputTokens, line.MaxOutputTokens);
                    draft.ContextWindow = ModelDraft.Max(draft.ContextWindow, line.ContextWindow);
                    draft.Sources.Add(line.Source);
                }

                if (SameModel(draft, drafts, provider) is { } same)
                {
                    same.MergeFrom(draft);
                }
                else
                {
                    drafts.Add(draft);
                    byName[draft.Name] = draft;
                }
            }
        }

        foreach (var line in overrides.ProviderTiers.Where(l => providers.Contains(l.Provider)))
        {
            foreach (var draft in drafts.Where(d => d.Providers.Contains(line.Provider)))
            {
                foreach (var (tier, multiplier) in line.Tiers)
                {
                    draft.Tiers.TryAdd(tier, multiplier);
                }

                draft.Sources.Add(line.Source);
            }
        }

        var unusedFacts = new List<string>();
        foreach (var fact in overrides.Facts)
        {
            if (!byName.TryGetValue(fact.Model, out var draft))
            {
                if (fact.Providers.Count == 0 || !fact.Providers.Any(providers.Contains))
                {
                    // A fact about a model this source no longer lists (or of a provider not imported) defines nothing.
                    unusedFacts.Add(fact.Model);
                    continue;
                }

                draft = new ModelDraft(fact.Model);
                drafts.Add(draft);
                byName[fact.Model] = draft;
            }

            fact.ApplyTo(draft);
        }

        var models = new List<KeyValuePair<string, ModelPrice>>();
        var leftOut = new List<(string Model, string Providers, string Why)>();
        foreach (var draft in drafts.OrderBy(d => PriceProviders.All.ToList().IndexOf(d.Providers[0])).ThenBy(d => d.Name, StringComparer.Ordinal))
        {
            if (draft.Missing() is { } missing)
            {
                leftOut.Add((draft.Name, string.Join(",", draft.Providers), missing));
                continue;
            }

            var price = draft.ToModelPrice();
            if (ModelPriceRules.Validate(draft.Name, price) is { } invalid)
            {
                leftOut.Add((draft.Name, string.Join(",", draft.Providers), invalid));
                continue;
            }

            models.Add(new(draft.Name, price));
        }

        return new BuiltTable(models, leftOut, [.. unusedFacts.Distinct(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// The entry of another provider that is this model: the same name, or a name its rule matches (each provider's
    /// own models stay apart, whatever their rules).
    /// </summary>
    private static ModelDraft? SameModel(ModelDraft draft, List<ModelDraft> drafts, string provider) =>
        drafts.FirstOrDefault(d => d.Name == draft.Name)
        ?? drafts.FirstOrDefault(d => !d.Providers.Contains(provider) && d.Match is { } rule && rule.IsMatch(draft.Name));
}

/// <summary>The models of a built table, the models left out and why, and the facts that applied to nothing.</summary>
internal sealed record BuiltTable(
    IReadOnlyList<KeyValuePair<string, ModelPrice>> Models,
    IReadOnlyList<(string Model, string Providers, string Why)> LeftOut,
    IReadOnlyList<string> UnusedFacts);
