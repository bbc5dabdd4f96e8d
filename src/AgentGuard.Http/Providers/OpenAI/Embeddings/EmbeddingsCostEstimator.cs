using AgentGuard.Http.Estimation;
using AgentGuard.Http.Pricing;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// Prices the worst case of an Embeddings request: its input bound at the input price, and no output (an output cap
/// of 0, whatever the model's own maximum), see <see cref="CostPricing"/>.
/// </summary>
internal static class EmbeddingsCostEstimator
{
    /// <summary>The cheap bound: no tokenizer, from the bytes and token ids the reader counted.</summary>
    public static CostBound ByBytes(EmbeddingsRequest request, PricedModel model, ServiceTier tier, EstimationContext? context = null) =>
        Price(request, model, tier, EmbeddingsInputBounds.ByBytes(request, model.Price), fromTokenizer: false, context);

    /// <summary>
    /// The tighter bound from token counts (<see cref="TextTokens"/>), or <see langword="null"/> when the model's encoding is unknown
    /// (then the byte bound is the only safe one).
    /// </summary>
    public static CostBound? ByTokenizer(
        ReadOnlySpan<byte> body, EmbeddingsRequest request, PricedModel model, ServiceTier tier, EstimationContext? context = null, CancellationToken cancellationToken = default)
    {
        if (TextTokens.ForCall(model, cancellationToken) is not { } tokens)
        {
            return null;
        }

        return Price(request, model, tier, EmbeddingsInputBounds.ByTokenizer(body, model.Price, tokens), fromTokenizer: true, context);
    }

    private static CostBound Price(EmbeddingsRequest request, PricedModel model, ServiceTier tier, InputTokenBound input, bool fromTokenizer, EstimationContext? context) =>
        CostPricing.Price(model, tier, request.Model, input, outputCap: 0, choices: 1, context ?? EstimationContext.Default, fromTokenizer: fromTokenizer);
}
