using AgentGuard.Http.Pricing;
using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Estimation;

/// <summary>
/// Prices the worst case of a chat request: its input bound, plus n choices of the largest output the
/// request allows (and the prediction each choice may reject), at the tier it bills at, at the
/// long-context rate whenever the input bound crosses the threshold.
/// </summary>
internal static class ChatCostEstimator
{
    /// <summary>The cheap bound: no tokenizer, one arithmetic step over what the reader counted.</summary>
    public static CostBound ByBytes(ChatCompletionRequest request, PricedModel model, ServiceTier tier) =>
        Price(request, model, tier, ChatInputBounds.ByBytes(request), fromTokenizer: false);

    /// <summary>
    /// The tighter bound from exact token counts, or <see langword="null"/> when the model's encoding is unknown
    /// (then the byte bound is the only safe one).
    /// </summary>
    public static CostBound? ByTokenizer(ReadOnlySpan<byte> body, ChatCompletionRequest request, PricedModel model, ServiceTier tier)
    {
        if (Tokenizers.ForEncoding(model.Price.Encoding) is not { } tokenizer)
        {
            return null;
        }

        return Price(request, model, tier, ChatInputBounds.ByTokenizer(body, tokenizer), fromTokenizer: true);
    }

    private static CostBound Price(ChatCompletionRequest request, PricedModel model, ServiceTier tier, InputTokenBound input, bool fromTokenizer)
    {
        var price = model.Price;

        // Both caps may be sent; the larger one is the one that can be billed.
        long requested = Math.Max(request.MaxCompletionTokens ?? -1, request.MaxTokens ?? -1);
        if (requested < 0)
        {
            requested = price.MaxOutputTokens;
        }

        long roomLeft = Math.Max(0, price.ContextWindowTokens - input.Lower);
        long perChoice = Math.Min(Math.Min(requested, price.MaxOutputTokens), roomLeft) + input.PredictionUpper;
        long output = request.Choices * perChoice;

        var rates = model.GetRates(tier, model.IsLongContext(input.Upper), request.Model);
        long micros = TokenRates.RoundUp(rates.CostMicros(input.Upper, 0, output));
        return new CostBound(input.Upper, output, tier, micros, fromTokenizer);
    }
}
