using System.Globalization;
using System.Net.Http.Headers;
using AgentGuard.Http.Providers;

namespace AgentGuard.Http.Settlement;

/// <summary>
/// Decides how a response settles its reservation. JSON bodies are small and the SDK buffers them anyway, so
/// they are read here and settled by the operation before the caller sees them; event streams are wrapped and settled as
/// the caller reads them. A failure releases the reservation only when the provider's rules say it proves the call was
/// not billed.
/// </summary>
internal static class ResponseSettlement
{
    public static async ValueTask<HttpResponseMessage> ObserveAsync(
        HttpResponseMessage response, CallReservation reservation, LlmOperation operation, bool stripUsageChunk, bool async, CancellationToken cancellationToken)
    {
        int status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            if (IsEventStream(response.Content.Headers))
            {
                response.Content = new SseObservingContent(response.Content, reservation, stripUsageChunk, operation);
                return response;
            }

            var body = await HttpContents.ReadAllAsync(response.Content, async, cancellationToken).ConfigureAwait(false);
            response.Content = HttpContents.Replace(response.Content, body);
            await operation.SettleAsync(body, reservation, async).ConfigureAwait(false);
            return response;
        }

        string code = status.ToString(CultureInfo.InvariantCulture);
        var provider = reservation.Provider;
        switch (provider.Judge(response.StatusCode))
        {
            case StatusVerdict.NotBilled:
                await reservation.ReleaseAsync($"HTTP {code} is a rejection, which is not billed", async).ConfigureAwait(false);
                break;

            case StatusVerdict.NotBilledIfProviderError:
                var error = await HttpContents.ReadAllAsync(response.Content, async, cancellationToken).ConfigureAwait(false);
                response.Content = HttpContents.Replace(response.Content, error);
                await (provider.IsOwnErrorBody(error)
                    ? reservation.ReleaseAsync($"HTTP {code} carries {provider.DisplayName}'s error body, so {provider.DisplayName} refused the call", async)
                    : reservation.ChargeInFullAsync($"HTTP {code} without {provider.DisplayName}'s error body may come from after generation", async)).ConfigureAwait(false);
                break;

            default:
                await reservation.ChargeInFullAsync($"HTTP {code} leaves the outcome unknown", async).ConfigureAwait(false);
                break;
        }

        return response;
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
