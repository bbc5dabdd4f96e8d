using AgentGuard.Http.Estimation;
using AgentGuard.Http.Pricing;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary><c>POST chat/completions</c>: read by <see cref="ChatCompletionRequestReader"/>, bounded by <see cref="ChatCostEstimator"/>.</summary>
internal sealed class ChatCompletionsOperation : OpenAIOperation<ChatCompletionRequest>
{
    public const string Api = "Chat Completions";

    public override string Name => "chat/completions";

    public override string DisplayName => Api;

    protected override ChatCompletionRequest ReadRequest(ReadOnlySpan<byte> body, bool modelInPath) => ChatCompletionRequestReader.Read(body, modelInPath);

    protected override CostBound ByBytes(ChatCompletionRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int? outputCap) =>
        ChatCostEstimator.ByBytes(request, model, tier, context, outputCap);

    protected override CostBound? ByTokenizer(
        ReadOnlySpan<byte> body, ChatCompletionRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int? outputCap, CancellationToken cancellationToken) =>
        ChatCostEstimator.ByTokenizer(body, request, model, tier, context, outputCap, cancellationToken);

    protected override CostBound Reprice(CostBound bound, ChatCompletionRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int outputCap) =>
        ChatCostEstimator.Reprice(bound, request, model, tier, context, outputCap);
}
