using AgentGuard.Http.Estimation;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Settlement;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// <c>POST responses</c>: read by <see cref="ResponsesRequestReader"/>, bounded by <see cref="ResponsesCostEstimator"/>. A
/// response is settled from the usage of the response object, unless it still runs in the background; a stream from the
/// response its terminal event carries (<see cref="ResponsesStreamUsageReader"/>).
/// </summary>
internal sealed class ResponsesOperation : OpenAIOperation<ResponsesRequest>
{
    public const string Api = "Responses";

    public override string Name => "responses";

    public override string DisplayName => Api;

    protected override ResponsesRequest ReadRequest(ReadOnlySpan<byte> body, bool modelInPath) => ResponsesRequestReader.Read(body, modelInPath);

    protected override CostBound ByBytes(ResponsesRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int? outputCap) =>
        ResponsesCostEstimator.ByBytes(request, model, tier, context, outputCap);

    protected override CostBound? ByTokenizer(
        ReadOnlySpan<byte> body, ResponsesRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int? outputCap, CancellationToken cancellationToken) =>
        ResponsesCostEstimator.ByTokenizer(body, request, model, tier, context, outputCap, cancellationToken);

    protected override CostBound Reprice(CostBound bound, ResponsesRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int outputCap) =>
        ResponsesCostEstimator.Reprice(bound, request, model, tier, context, outputCap);

    /// <summary>
    /// Settled from the response object's usage, unless it is still running (a background response, queued or in progress),
    /// whose reservation then waits for a retrieval that shows its outcome.
    /// </summary>
    public override ValueTask SettleAsync(byte[] body, CallReservation reservation, bool async)
    {
        if (!UsageReader.TryReadResponse(body, out var response))
        {
            return reservation.ChargeInFullAsync("the response is not a readable response object", async);
        }

        if (response.IsPending && response.Usage is null && response.Id is { } id)
        {
            return BackgroundResponses.WaitForOutcomeAsync(reservation, id, async);
        }

        return response.Usage is { } usage
            ? reservation.SettleFromUsageAsync(usage, async)
            : reservation.ChargeInFullAsync("the response reported no usage", async);
    }

    public override StreamUsageReader CreateStreamReader() => new ResponsesStreamUsageReader();
}
