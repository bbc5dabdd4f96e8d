using AgentGuard.Http.Requests;
using AgentGuard.Http.Settlement;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// An operation of the OpenAI API. Its responses report <c>usage</c> beside the output (<see cref="UsageReader"/>), and its
/// streams carry it in a chunk of its own before <c>data: [DONE]</c> (<see cref="ChatStreamUsageReader"/>), unless the
/// operation says otherwise.
/// </summary>
internal abstract class OpenAIOperation<TRequest> : LlmOperation<TRequest>
    where TRequest : GuardedRequest
{
    /// <summary>Adds <c>stream_options.include_usage</c> (<see cref="StreamUsageInjection"/>).</summary>
    public override void RequestStreamUsage(PooledRequestBody body, GuardedRequest request) =>
        StreamUsageInjection.AddIncludeUsage(body, (OpenAIRequest)request);

    /// <inheritdoc />
    public override ValueTask SettleAsync(byte[] body, CallReservation reservation, bool async) =>
        UsageReader.TryRead(body, out var usage, out _)
            ? reservation.SettleFromUsageAsync(usage, async)
            : reservation.ChargeInFullAsync("the response reported no usage", async);

    /// <inheritdoc />
    public override StreamUsageReader CreateStreamReader() => new ChatStreamUsageReader();
}
