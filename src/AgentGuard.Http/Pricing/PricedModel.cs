namespace AgentGuard.Http.Pricing;

/// <summary>A model name resolved to its entry in the price table.</summary>
internal sealed class PricedModel(string family, ModelPrice price)
{
    /// <summary>The price table key the model resolved to (the family of a dated snapshot).</summary>
    public string Family { get; } = family;

    public ModelPrice Price { get; } = price;

    /// <summary>Whether <paramref name="inputTokens"/> bills the whole request at the long-context rate.</summary>
    public bool IsLongContext(long inputTokens) =>
        Price.LongContext is { } longContext && inputTokens > longContext.AboveInputTokens;

    /// <summary>The rates of a tier; <see langword="false"/> when the tier has no known price for this model.</summary>
    public bool TryGetRates(ServiceTier tier, bool longContext, out TokenRates rates)
    {
        decimal multiplier = 1m;
        if (tier != ServiceTier.Standard && !Price.TierMultipliers.TryGetValue(tier, out multiplier))
        {
            rates = default;
            return false;
        }

        decimal input, output;
        decimal? cached;
        if (longContext && Price.LongContext is { } lc)
        {
            (input, cached, output) = (lc.InputUsdPerMillionTokens, lc.CachedInputUsdPerMillionTokens, lc.OutputUsdPerMillionTokens);
        }
        else
        {
            (input, cached, output) = (Price.InputUsdPerMillionTokens, Price.CachedInputUsdPerMillionTokens, Price.OutputUsdPerMillionTokens);
        }

        // No cached price means cached tokens bill at the input price, never at zero.
        rates = new TokenRates(input * multiplier, (cached ?? input) * multiplier, output * multiplier);
        return true;
    }

    /// <summary>The rates of a tier, or a refusal that names the model and the tier.</summary>
    public TokenRates GetRates(ServiceTier tier, bool longContext, string requestedModel)
    {
        if (TryGetRates(tier, longContext, out var rates))
        {
            return rates;
        }

        throw new UnknownModelPriceException(requestedModel,
            $"The price table has no {tier} tier price for model '{requestedModel}' (priced as '{Family}'). " +
            $"Add one with AgentGuardOptions.Prices[\"{Family}\"].TierMultipliers[ServiceTier.{tier}], or send the request at a priced tier.");
    }
}
