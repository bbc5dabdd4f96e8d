using AgentGuard.Http.Pricing;
using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Estimation;

/// <summary>Bounds a request's cost with the estimator of its endpoint.</summary>
internal static class RequestCostEstimator
{
    /// <summary>The cheap bound, from what the reader counted.</summary>
    /// <param name="request">The request read.</param>
    /// <param name="model">Its priced model.</param>
    /// <param name="tier">The tier it bills at.</param>
    /// <param name="context">What the client's options add.</param>
    /// <param name="outputCap">An output cap that replaces the request's own (the guard lowers or sets it).</param>
    public static CostBound ByBytes(GuardedRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int? outputCap = null) => request switch
    {
        ChatCompletionRequest chat => ChatCostEstimator.ByBytes(chat, model, tier, context, outputCap),
        ResponsesRequest responses => ResponsesCostEstimator.ByBytes(responses, model, tier, context, outputCap),
        EmbeddingsRequest embeddings => EmbeddingsCostEstimator.ByBytes(embeddings, model, tier, context),
        CompletionsRequest completions => CompletionsCostEstimator.ByBytes(completions, model, tier, context, outputCap),
        _ => throw new ArgumentOutOfRangeException(nameof(request)),
    };

    /// <summary>The tighter bound from exact token counts, or <see langword="null"/> when there is none.</summary>
    public static CostBound? ByTokenizer(ReadOnlySpan<byte> body, GuardedRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int? outputCap = null) => request switch
    {
        ChatCompletionRequest chat => ChatCostEstimator.ByTokenizer(body, chat, model, tier, context, outputCap),
        ResponsesRequest responses => ResponsesCostEstimator.ByTokenizer(body, responses, model, tier, context, outputCap),
        EmbeddingsRequest embeddings => EmbeddingsCostEstimator.ByTokenizer(body, embeddings, model, tier, context),
        CompletionsRequest completions => CompletionsCostEstimator.ByTokenizer(body, completions, model, tier, context, outputCap),
        _ => throw new ArgumentOutOfRangeException(nameof(request)),
    };

    /// <summary>The same input bound priced with another output cap: what the guard lowers a cap to must fit the budget.</summary>
    public static CostBound Reprice(CostBound bound, GuardedRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int outputCap) => request switch
    {
        ChatCompletionRequest chat => ChatCostEstimator.Reprice(bound, chat, model, tier, context, outputCap),
        ResponsesRequest responses => ResponsesCostEstimator.Reprice(bound, responses, model, tier, context, outputCap),
        CompletionsRequest completions => CompletionsCostEstimator.Reprice(bound, completions, model, tier, context, outputCap),
        _ => bound,
    };
}
