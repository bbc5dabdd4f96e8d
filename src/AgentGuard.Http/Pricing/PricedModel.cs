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
        decimal? cached, audioInput, audioOutput, cacheWrite, cacheWrite1h;
        if (longContext && Price.LongContext is { } lc)
        {
            // No long-context audio price is published: the base one could bill below it, so audio is unpriced here.
            (input, cached, output) = (lc.InputUsdPerMillionTokens, lc.CachedInputUsdPerMillionTokens, lc.OutputUsdPerMillionTokens);
            (audioInput, audioOutput) = (null, null);
            (cacheWrite, cacheWrite1h) = (lc.CacheWriteUsdPerMillionTokens ?? Price.CacheWriteUsdPerMillionTokens, lc.CacheWrite1hUsdPerMillionTokens ?? Price.CacheWrite1hUsdPerMillionTokens);
        }
        else
        {
            (input, cached, output) = (Price.InputUsdPerMillionTokens, Price.CachedInputUsdPerMillionTokens, Price.OutputUsdPerMillionTokens);
            (audioInput, audioOutput) = (Price.AudioInputUsdPerMillionTokens, Price.AudioOutputUsdPerMillionTokens);
            (cacheWrite, cacheWrite1h) = (Price.CacheWriteUsdPerMillionTokens, Price.CacheWrite1hUsdPerMillionTokens);
        }

        // No cached price means cached tokens bill at the input price, never at zero.
        rates = new TokenRates(input * multiplier, (cached ?? input) * multiplier, output * multiplier)
        {
            AudioInput = audioInput * multiplier,
            AudioOutput = audioOutput * multiplier,
            CacheWrite = cacheWrite * multiplier,
            CacheWrite1h = cacheWrite1h * multiplier,
        };
        return true;
    }

    /// <summary>
    /// The rates of a request that asks for audio output: its completion tokens may be any mix of text and audio, so every
    /// output token is priced at the larger of the two output rates. A refusal when audio output has no price (none set
    /// for the model, or the input may exceed the long-context threshold, whose prices have none).
    /// </summary>
    public TokenRates ForAudioOutput(TokenRates rates, bool longContext, string requestedModel)
    {
        if (rates.AudioOutput is { } audio)
        {
            return rates with { Output = Math.Max(rates.Output, audio) };
        }

        string why = longContext && Price.LongContext is { } lc && Price.AudioOutputUsdPerMillionTokens is not null
            ? $"its input may exceed {lc.AboveInputTokens} tokens, where model '{requestedModel}' (priced as '{Family}') bills at long-context prices, which have no audio price. Send less input, or ask for text output only."
            : $"model '{requestedModel}' (priced as '{Family}') has no audio output price. Add one with AgentGuardOptions.Prices[\"{Family}\"].AudioOutputUsdPerMillionTokens (\"audioOutput\" in a prices file), or ask for text output only.";
        throw new UnknownModelPriceException(requestedModel,
            $"The Chat Completions request asks for audio output (\"modalities\" with \"audio\", or an \"audio\" parameter), so its cost cannot be bounded and it was not sent: {why}");
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
