using AgentGuard.Http.Estimation;
using AgentGuard.Http.Pricing;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary><c>POST embeddings</c>: input only, read by <see cref="EmbeddingsRequestReader"/>, bounded by <see cref="EmbeddingsCostEstimator"/>.</summary>
internal sealed class EmbeddingsOperation : OpenAIOperation<EmbeddingsRequest>
{
    public const string Api = "Embeddings";

    public override string Name => "embeddings";

    public override string DisplayName => Api;

    /// <summary>Embeddings produce no tokens of output: there is no cap to set or lower.</summary>
    public override bool HasOutputCap => false;

    protected override EmbeddingsRequest ReadRequest(ReadOnlySpan<byte> body, bool modelInPath) => EmbeddingsRequestReader.Read(body, modelInPath);

    protected override CostBound ByBytes(EmbeddingsRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int? outputCap) =>
        EmbeddingsCostEstimator.ByBytes(request, model, tier, context);

    protected override CostBound? ByTokenizer(
        ReadOnlySpan<byte> body, EmbeddingsRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int? outputCap, CancellationToken cancellationToken) =>
        EmbeddingsCostEstimator.ByTokenizer(body, request, model, tier, context, cancellationToken);
}
