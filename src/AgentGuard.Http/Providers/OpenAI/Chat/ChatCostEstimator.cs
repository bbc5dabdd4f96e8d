using AgentGuard.Http.Estimation;
using AgentGuard.Http.Pricing;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// Prices the worst case of a chat request: its input bound, plus n choices of the largest output the
/// request allows and the prediction each choice may reject (see <see cref="CostPricing"/>). A request that asks for
/// audio output prices every output token at the larger of the text and audio output rates, or is refused when the
/// model has no audio output price.
/// </summary>
internal static class ChatCostEstimator
{
    /// <summary>The cheap bound: no tokenizer, one arithmetic step over what the reader counted.</summary>
    /// <param name="request">The request read.</param>
    /// <param name="model">Its priced model.</param>
    /// <param name="tier">The tier it bills at.</param>
    /// <param name="context">The client's multiplier.</param>
    /// <param name="outputCap">An output cap that replaces the request's own (the guard lowers or sets it).</param>
    public static CostBound ByBytes(ChatCompletionRequest request, PricedModel model, ServiceTier tier, EstimationContext? context = null, int? outputCap = null) =>
        Price(request, model, tier, WithImages(ChatInputBounds.ByBytes(request), request, model), fromTokenizer: false, context, outputCap);

    /// <summary>
    /// The tighter bound from token counts (<see cref="TextTokens"/>), or <see langword="null"/> when the model's encoding is unknown
    /// (then the byte bound is the only safe one).
    /// </summary>
    public static CostBound? ByTokenizer(
        ReadOnlySpan<byte> body, ChatCompletionRequest request, PricedModel model, ServiceTier tier, EstimationContext? context = null, int? outputCap = null,
        CancellationToken cancellationToken = default)
    {
        if (TextTokens.ForCall(model, cancellationToken) is not { } tokens)
        {
            return null;
        }

        return Price(request, model, tier, WithImages(ChatInputBounds.ByTokenizer(body, tokens), request, model), fromTokenizer: true, context, outputCap);
    }

    /// <summary>The same input bound priced with another output cap.</summary>
    public static CostBound Reprice(CostBound bound, ChatCompletionRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int outputCap) =>
        Price(request, model, tier, bound.Input, bound.FromTokenizer, context, outputCap);

    /// <summary>Images are billed by their model family's rule, on top of the text.</summary>
    private static InputTokenBound WithImages(InputTokenBound text, ChatCompletionRequest request, PricedModel model) =>
        text with { Upper = text.Upper + ImageInputBounds.Tokens(request.Images, model, request.Model) };

    private static CostBound Price(ChatCompletionRequest request, PricedModel model, ServiceTier tier, InputTokenBound input, bool fromTokenizer, EstimationContext? context, int? outputCap) =>
        CostPricing.Price(model, tier, request.Model, input, outputCap ?? request.OutputCap, request.Choices, context ?? EstimationContext.Default,
            fromTokenizer: fromTokenizer, audioOutput: request.AudioOutput);
}
