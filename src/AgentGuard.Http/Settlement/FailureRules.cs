using System.Net;

namespace AgentGuard.Http.Settlement;

/// <summary>
/// Which failures prove that a call was not billed. Only those release the reservation: every other failure
/// after the request may have left the process is charged in full, because the server may have generated.
/// </summary>
internal static class FailureRules
{
    /// <summary>Whether the request certainly never reached the server.</summary>
    public static bool CertainlyNotSent(Exception exception, bool cancelledBeforeSend) => exception switch
    {
        OperationCanceledException => cancelledBeforeSend,
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
            or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError } => true,
        _ => false,
    };

    /// <summary>
    /// What a non-success status proves. 408, 502 and 504 say nothing about whether generation ran;
    /// other 4xx are rejections; 429 and 5xx are rejections only when OpenAI itself answered (its error body).
    /// </summary>
    public static StatusVerdict Judge(HttpStatusCode status) => (int)status switch
    {
        408 or 502 or 504 => StatusVerdict.Unknown,
        429 => StatusVerdict.NotBilledIfOpenAIError,
        >= 400 and < 500 => StatusVerdict.NotBilled,
        >= 500 => StatusVerdict.NotBilledIfOpenAIError,
        _ => StatusVerdict.Unknown,
    };
}

/// <summary>What a non-success HTTP status proves about billing.</summary>
internal enum StatusVerdict
{
    Unknown,
    NotBilled,
    NotBilledIfOpenAIError,
}
