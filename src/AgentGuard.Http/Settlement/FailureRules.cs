namespace AgentGuard.Http.Settlement;

/// <summary>
/// Which exceptions prove that a call was not billed, whatever the provider: a request that never left the process. Only
/// those release the reservation; every other failure after the request may have left is charged in full, because the
/// server may have generated. What an HTTP answer proves is the provider's rule (<see cref="Providers.LlmProvider.Judge"/>).
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
}
