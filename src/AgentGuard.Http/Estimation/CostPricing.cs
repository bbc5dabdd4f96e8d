using AgentGuard.Http.Pricing;

namespace AgentGuard.Http.Estimation;

/// <summary>
/// Turns token bounds into a cost bound, the same way for every endpoint: the input bound, plus every choice of the
/// largest output the request allows (never more than the model's maximum, nor than the room the context leaves),
/// at the tier it bills at, at the long-context rate whenever the input bound crosses the threshold, plus fixed fees.
/// </summary>
internal static class CostPricing
{
    /// <param name="model">The priced model.</param>
    /// <param name="tier">The tier the call bills at.</param>
    /// <param name="requestedModel">The model as requested, for the refusal of an unpriced tier.</param>
    /// <param name="input">The input bound.</param>
    /// <param name="outputCap">The output cap per choice the request sets, or <see langword="null"/> for the model's maximum.</param>
    /// <param name="choices">How many outputs are billed.</param>
    /// <param name="context">The client's multiplier.</param>
    /// <param name="feeMicros">Fixed fees (hosted tool calls), in micro-dollars before the multiplier.</param>
    /// <param name="fromTokenizer">Whether the input bound is an exact count.</param>
    /// <param name="audioOutput">
    /// Whether the request asks for audio output: every output token is then priced at the larger of the text and audio
    /// output rates, and a model without an audio output price is refused.
    /// </param>
    public static CostBound Price(
        PricedModel model, ServiceTier tier, string requestedModel, InputTokenBound input, long? outputCap, long choices,
        EstimationContext context, decimal feeMicros = 0m, bool fromTokenizer = false, bool audioOutput = false)
    {
        var price = model.Price;
        long requested = outputCap ?? price.MaxOutputTokens;
        long roomLeft = Math.Max(0, price.ContextWindowTokens - input.Lower);
        long perChoice = Math.Min(Math.Min(requested, price.MaxOutputTokens), roomLeft) + input.PredictionUpper;
        long output = choices * perChoice;

        bool longContext = model.IsLongContext(input.Upper);
        var rates = model.GetRates(tier, longContext, requestedModel);
        if (audioOutput)
        {
            rates = model.ForAudioOutput(rates, longContext, requestedModel);
        }

        long micros = TokenRates.RoundUp((rates.CostMicros(input.Upper, 0, output) + feeMicros) * context.PriceMultiplier);
        return new CostBound(input.Upper, output, tier, micros, fromTokenizer, input);
    }
}
