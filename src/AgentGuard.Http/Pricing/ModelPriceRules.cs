using AgentGuard.Http.Estimation;

namespace AgentGuard.Http.Pricing;

/// <summary>The rules every price obeys, whether it comes from the embedded table, a file or code.</summary>
internal static class ModelPriceRules
{
    /// <summary>The reason <paramref name="price"/> is invalid, or <see langword="null"/> when it is valid.</summary>
    public static string? Validate(string model, ModelPrice? price)
    {
        if (string.IsNullOrWhiteSpace(model))
        {
            return "a price has an empty model name.";
        }

        if (price is null)
        {
            return $"model '{model}' has no price.";
        }

        if (price.InputUsdPerMillionTokens < 0 || price.OutputUsdPerMillionTokens < 0 || price.CachedInputUsdPerMillionTokens < 0
            || price.CacheWriteUsdPerMillionTokens < 0 || price.CacheWrite1hUsdPerMillionTokens < 0)
        {
            return $"model '{model}' has a negative price.";
        }

        if (price.AudioInputUsdPerMillionTokens < 0 || price.AudioOutputUsdPerMillionTokens < 0)
        {
            return $"model '{model}' has a negative audio price.";
        }

        if (price.ContextWindowTokens <= 0)
        {
            return $"model '{model}' needs a context window greater than zero.";
        }

        if (price.MaxOutputTokens < 0 || price.MaxOutputTokens > price.ContextWindowTokens)
        {
            return $"model '{model}' needs a max output between 0 and its context window ({price.ContextWindowTokens}).";
        }

        if (price.Encoding is not null && !Tokenizers.IsKnownEncoding(price.Encoding))
        {
            return $"model '{model}' has an unknown encoding '{price.Encoding}' (use o200k_base or cl100k_base, or leave it out).";
        }

        foreach (var (tier, multiplier) in price.TierMultipliers ?? new Dictionary<ServiceTier, decimal>())
        {
            if (multiplier <= 0)
            {
                return $"model '{model}' needs a {tier} tier multiplier greater than zero.";
            }
        }

        if (price.LongContext is { } lc && (lc.AboveInputTokens <= 0 || lc.InputUsdPerMillionTokens < 0 || lc.OutputUsdPerMillionTokens < 0 || lc.CachedInputUsdPerMillionTokens < 0
            || lc.CacheWriteUsdPerMillionTokens < 0 || lc.CacheWrite1hUsdPerMillionTokens < 0))
        {
            return $"model '{model}' has an invalid long-context price.";
        }

        return price.ImageTokens is { } images ? ValidateImageTokens(model, images) : null;
    }

    private static string? ValidateImageTokens(string model, ImageTokenRule rule) => rule.Kind switch
    {
        ImageTokenKind.Tiles when rule.BaseTokens < 0 || rule.TokensPerTile <= 0 =>
            $"model '{model}' has an invalid image tile rule: it needs base tokens of 0 or more and tokens per tile greater than zero.",
        ImageTokenKind.Patches when rule.PatchMultiplier <= 0 || rule.MaxPatches <= 0 =>
            $"model '{model}' has an invalid image patch rule: it needs a patch multiplier and max patches greater than zero.",
        ImageTokenKind.Tiles or ImageTokenKind.Patches => null,
        _ => $"model '{model}' has an unknown image token kind '{rule.Kind}' (use tiles or patches).",
    };
}
