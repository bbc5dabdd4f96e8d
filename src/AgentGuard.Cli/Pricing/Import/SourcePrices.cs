using AgentGuard.Http;

namespace AgentGuard.Cli.Pricing.Import;

/// <summary>
/// Turns a source model into a draft: the prices that can be in force on or after the generation date (the highest of
/// them, unit by unit), its tiers as one long-context price, its price units mapped to the table's.
/// </summary>
internal static class SourcePrices
{
    /// <summary>Units that bill per token of a direction the table prices at one rate: the highest of them prices every such token.</summary>
    private static readonly Dictionary<string, string> s_raises = new(StringComparer.Ordinal)
    {
        ["input_image_mtok"] = "input_mtok",
        ["input_video_mtok"] = "input_mtok",
        ["output_image_mtok"] = "output_mtok",
        ["output_video_mtok"] = "output_mtok",
        ["output_reasoning_mtok"] = "output_mtok",
    };

    /// <summary>Units the table leaves out, and why leaving them out never bills below the truth.</summary>
    private static readonly Dictionary<string, string> s_ignored = new(StringComparer.Ordinal)
    {
        // Cached audio or images bill at most at their uncached price, which the table applies.
        ["cache_audio_read_mtok"] = "cached audio tokens bill at the audio input price",
        ["cache_image_read_mtok"] = "cached image tokens bill at the input price",
        // Hosted tool fees are configured by the application (AgentGuardOptions.HostedToolFees).
        ["web_searches_kcount"] = "web search fees are AgentGuardOptions.HostedToolFees",
        ["storage_searches_kcount"] = "file search fees are AgentGuardOptions.HostedToolFees",
    };

    public static ModelDraft ToDraft(SourceModel model, DateOnly date, string sourceName)
    {
        var draft = new ModelDraft(model.Id) { Match = model.Match, ContextWindow = model.ContextWindow };
        draft.Providers.Add(model.Provider);
        draft.Sources.Add($"{sourceName}: {model.Provider} {model.Id}");
        var sets = InForceFrom(model.Prices, date);
        var units = sets.SelectMany(s => s.Prices.Keys).Distinct(StringComparer.Ordinal).ToList();
        foreach (string unit in units)
        {
            if (!Known(unit))
            {
                draft.Unusable = $"a price in a unit the table cannot represent ({unit})";
                return draft;
            }
        }

        // Each unit at its highest over the sets that can be in force, and raised by the units it stands for.
        var prices = new Dictionary<string, TieredPrice>(StringComparer.Ordinal);
        foreach (var set in sets)
        {
            foreach (var (unit, price) in set.Prices)
            {
                string into = s_raises.GetValueOrDefault(unit, unit);
                if (s_ignored.ContainsKey(unit) || (into != unit && !set.Prices.ContainsKey(into) && !prices.ContainsKey(into)))
                {
                    // A modality without a text price of its direction is no reason to invent one.
                    continue;
                }

                prices[into] = prices.TryGetValue(into, out var known) ? Highest(known, price) : price;
            }
        }

        int? above = prices.Values.SelectMany(p => p.Tiers).Select(t => (int?)t.Start).Min();
        decimal? Base(string unit) => prices.TryGetValue(unit, out var p) ? p.Base : null;
        // Above the lowest threshold every unit bills at the highest of its prices: several thresholds become one, never lower.
        decimal? Long(string unit) => prices.TryGetValue(unit, out var p) ? p.Tiers.Select(t => t.Price).Append(p.Base).Max() : null;
        LongContextPrice? longContext = above is { } threshold && Long("input_mtok") is { } lcInput && Long("output_mtok") is { } lcOutput
            ? new LongContextPrice
            {
                AboveInputTokens = threshold,
                InputUsdPerMillionTokens = lcInput,
                CachedInputUsdPerMillionTokens = Long("cache_read_mtok"),
                OutputUsdPerMillionTokens = lcOutput,
                CacheWriteUsdPerMillionTokens = Long("cache_write_mtok"),
                CacheWrite1hUsdPerMillionTokens = Long("cache_write_1h_mtok"),
            }
            : null;
        draft.MergePrices(Base("input_mtok"), Base("cache_read_mtok"), Base("output_mtok"), Base("cache_write_mtok"), Base("cache_write_1h_mtok"), longContext);
        draft.AudioInput = Base("input_audio_mtok");
        draft.AudioOutput = Base("output_audio_mtok");
        if (above is not null && longContext is null)
        {
            draft.Unusable = "tiered prices without a tiered input and output price";
        }

        return draft;
    }

    /// <summary>
    /// The price sets that can apply at some time on or after <paramref name="date"/>: genai-prices applies the last set whose
    /// condition holds, so a set is out of force only when a later one holds at every such time (no condition, or a start
    /// date reached by then). Daily windows hold at some time of every day.
    /// </summary>
    public static IReadOnlyList<PriceSet> InForceFrom(IReadOnlyList<ConditionalPrices> prices, DateOnly date)
    {
        var inForce = new List<PriceSet>();
        for (int i = 0; i < prices.Count; i++)
        {
            DateOnly from = prices[i].Constraint?.StartDate is { } start && start > date ? start : date;
            bool covered = false;
            for (int j = i + 1; j < prices.Count && !covered; j++)
            {
                covered = prices[j].Constraint is null || (prices[j].Constraint!.StartDate is { } later && later <= from);
            }

            if (!covered)
            {
                inForce.Add(prices[i].Prices);
            }
        }

        return inForce;
    }

    /// <summary>The higher of two prices at every request size: the higher base, and every tier of both.</summary>
    private static TieredPrice Highest(TieredPrice a, TieredPrice b) =>
        new(Math.Max(a.Base, b.Base), [.. a.Tiers, .. b.Tiers]);

    private static bool Known(string unit) => unit is "input_mtok" or "output_mtok" or "cache_read_mtok" or "cache_write_mtok" or "cache_write_1h_mtok"
        or "input_audio_mtok" or "output_audio_mtok" || s_raises.ContainsKey(unit) || s_ignored.ContainsKey(unit);
}
