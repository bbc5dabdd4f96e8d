using AgentGuard.Http.Estimation;
using AgentGuard.Http.Pricing;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary><c>POST completions</c> (legacy): read by <see cref="CompletionsRequestReader"/>, bounded by <see cref="CompletionsCostEstimator"/>.</summary>
internal sealed class CompletionsOperation : OpenAIOperation<CompletionsRequest>
{
    public const string Api = "Completions";

    public override string Name => "completions";

    public override string DisplayName => Api;

    protected override CompletionsRequest ReadRequest(ReadOnlySpan<byte> body, bool modelInPath) => CompletionsRequestReader.Read(body, modelInPath);

    protected override CostBound ByBytes(CompletionsRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int? outputCap) =>
        CompletionsCostEstimator.ByBytes(request, model, tier, context, outputCap);

    protected override CostBound? ByTokenizer(
        ReadOnlySpan<byte> body, CompletionsRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int? outputCap, CancellationToken cancellationToken) =>
        CompletionsCostEstimator.ByTokenizer(body, request, model, tier, context, outputCap, cancellationToken);

    protected override CostBound Reprice(CostBound bound, CompletionsRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int outputCap) =>
        CompletionsCostEstimator.Reprice(bound, request, model, tier, context, outputCap);
}
