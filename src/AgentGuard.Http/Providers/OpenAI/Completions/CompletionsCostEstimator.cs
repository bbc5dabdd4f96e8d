using AgentGuard.Http.Estimation;
using AgentGuard.Http.Pricing;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// Prices the worst case of a legacy Completions request: its input bound, plus every billed completion (each prompt
/// x max(<c>n</c>, <c>best_of</c>)) of the largest output it allows (<c>max_tokens</c>, 16 by default, within the
/// model's maximum and the room the context leaves), plus the prompt it echoes (see <see cref="CompletionsInputBounds"/>
/// and <see cref="CostPricing"/>).
/// </summary>
internal static class CompletionsCostEstimator
{
    /// <summary>The cheap bound: no tokenizer, from the bytes and token ids the reader counted.</summary>
    /// <param name="request">The request read.</param>
    /// <param name="model">Its priced model.</param>
    /// <param name="tier">The tier it bills at.</param>
    /// <param name="context">The client's multiplier.</param>
    /// <param name="outputCap">An output cap that replaces the request's own (the guard lowers it).</param>
    public static CostBound ByBytes(CompletionsRequest request, PricedModel model, ServiceTier tier, EstimationContext? context = null, int? outputCap = null) =>
        Price(request, model, tier, CompletionsInputBounds.ByBytes(request, model.Price), fromTokenizer: false, context, outputCap);

    /// <summary>
    /// The tighter bound from token counts (<see cref="TextTokens"/>), or <see langword="null"/> when the model's encoding is unknown
    /// (then the byte bound is the only safe one).
    /// </summary>
    public static CostBound? ByTokenizer(
        ReadOnlySpan<byte> body, CompletionsRequest request, PricedModel model, ServiceTier tier, EstimationContext? context = null, int? outputCap = null,
        CancellationToken cancellationToken = default)
    {
        if (TextTokens.ForCall(model, cancellationToken) is not { } tokens)
        {
            return null;
        }

        return Price(request, model, tier, CompletionsInputBounds.ByTokenizer(body, request, model.Price, tokens), fromTokenizer: true, context, outputCap);
    }

    /// <summary>The same input bound (echo included) priced with another output cap.</summary>
    public static CostBound Reprice(CostBound bound, CompletionsRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int outputCap) =>
        Price(request, model, tier, bound.Input, bound.FromTokenizer, context, outputCap);

    private static CostBound Price(CompletionsRequest request, PricedModel model, ServiceTier tier, InputTokenBound input, bool fromTokenizer, EstimationContext? context, int? outputCap)
    {
        long cap = outputCap ?? request.OutputCap ?? CompletionsRequest.DefaultMaxTokens;
        try
        {
            // Prompts x n is not limited by the body's size: a count that overflows would wrap to a small reservation.
            _ = checked(request.BilledCompletions * (Math.Min(cap, model.Price.MaxOutputTokens) + input.PredictionUpper));
            return CostPricing.Price(model, tier, request.Model, input, cap, request.BilledCompletions, context ?? EstimationContext.Default, fromTokenizer: fromTokenizer);
        }
        catch (OverflowException ex)
        {
            throw new UnboundedRequestException(UnboundedRequestReason.UnsupportedContent,
                $"The Completions request cannot be bounded: it asks for {request.Prompt.Items} prompt(s) x {request.CompletionsPerPrompt} completion(s) of up to {cap} tokens, " +
                "more than a cost can be computed for.", ex);
        }
    }
}
