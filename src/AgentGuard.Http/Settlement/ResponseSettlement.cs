using System.Globalization;
using System.Net.Http.Headers;
using AgentGuard.Http.Endpoints;
using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Settlement;

/// <summary>
/// Decides how a response settles its reservation. JSON bodies are small and the SDK buffers them anyway, so
/// they are read here and settled before the caller sees them; event streams are wrapped and settled as the
/// caller reads them.
/// </summary>
internal static class ResponseSettlement
{
    public static async ValueTask<HttpResponseMessage> ObserveAsync(
        HttpResponseMessage response, CallReservation reservation, GuardedRequest request, bool stripUsageChunk, bool async, CancellationToken cancellationToken)
    {
        int status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            if (IsEventStream(response.Content.Headers))
            {
                response.Content = new SseObservingContent(response.Content, reservation, stripUsageChunk, request.Endpoint);
                return response;
            }

            var body = await HttpContents.ReadAllAsync(response.Content, async, cancellationToken).ConfigureAwait(false);
            response.Content = HttpContents.Replace(response.Content, body);
            await (request.Endpoint == OpenAIEndpoint.Responses
                ? SettleResponseAsync(body, reservation, async)
                : UsageReader.TryRead(body, out var usage, out _)
                    ? reservation.SettleFromUsageAsync(usage, async)
                    : reservation.ChargeInFullAsync("the response reported no usage", async)).ConfigureAwait(false);
            return response;
        }

        string code = status.ToString(CultureInfo.InvariantCulture);
        switch (FailureRules.Judge(response.StatusCode))
        {
            case StatusVerdict.NotBilled:
                await reservation.ReleaseAsync($"HTTP {code} is a rejection, which is not billed", async).ConfigureAwait(false);
                break;

            case StatusVerdict.NotBilledIfOpenAIError:
                var error = await HttpContents.ReadAllAsync(response.Content, async, cancellationToken).ConfigureAwait(false);
                response.Content = HttpContents.Replace(response.Content, error);
                await (OpenAIErrorBody.Is(error)
                    ? reservation.ReleaseAsync($"HTTP {code} carries OpenAI's error body, so OpenAI refused the call", async)
                    : reservation.ChargeInFullAsync($"HTTP {code} without OpenAI's error body may come from after generation", async)).ConfigureAwait(false);
                break;

            default:
                await reservation.ChargeInFullAsync($"HTTP {code} leaves the outcome unknown", async).ConfigureAwait(false);
                break;
        }

        return response;
    }

    /// <summary>
    /// A Responses response: settled from its usage, unless it is still running (a background response, queued or in
    /// progress), whose reservation then waits for a retrieval that shows its outcome.
    /// </summary>
    private static ValueTask SettleResponseAsync(byte[] body, CallReservation reservation, bool async)
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

    /// <summary>Whether the media type is <c>text/event-stream</c>, read from the raw header without parsing it.</summary>
    internal static bool IsEventStream(HttpContentHeaders headers)
    {
        if (!headers.NonValidated.TryGetValues("Content-Type", out var values))
        {
            return false;
        }

        foreach (string value in values)
        {
            var mediaType = value.AsSpan();
            int parameters = mediaType.IndexOf(';');
            return (parameters < 0 ? mediaType : mediaType[..parameters]).Trim().Equals("text/event-stream", StringComparison.OrdinalIgnoreCase);
        }

        return false;
    }
}
