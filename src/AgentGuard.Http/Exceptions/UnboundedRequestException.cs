namespace AgentGuard.Http;

/// <summary>
/// The guard cannot compute an upper bound of the request's cost (the body is not a readable request,
/// or it holds content the guard cannot price), so the call was refused before it was sent and nothing
/// was reserved. <see cref="AgentGuardOptions.AllowUnboundedRequests"/> forwards such calls instead.
/// </summary>
public sealed class UnboundedRequestException : AgentGuardException
{
    /// <summary>Creates the exception.</summary>
    public UnboundedRequestException(UnboundedRequestReason reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    /// <summary>Why the request cannot be bounded.</summary>
    public UnboundedRequestReason Reason { get; }
}

/// <summary>Why a request's cost cannot be bounded.</summary>
public enum UnboundedRequestReason
{
    /// <summary>The body is not JSON, lacks <c>model</c> or <c>messages</c>, or has a field of the wrong type.</summary>
    MalformedBody = 0,

    /// <summary>The body holds content the guard cannot price (images, audio, files).</summary>
    UnsupportedContent = 1,
}
