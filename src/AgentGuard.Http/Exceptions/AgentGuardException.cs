namespace AgentGuard.Http;

/// <summary>
/// The base of every refusal by the guard: the call was not sent. It deliberately derives from
/// <see cref="Exception"/> only (never <see cref="HttpRequestException"/>, <see cref="IOException"/> or
/// <see cref="OperationCanceledException"/>), so that SDKs and resilience pipelines do not retry it.
/// </summary>
public abstract class AgentGuardException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected AgentGuardException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
