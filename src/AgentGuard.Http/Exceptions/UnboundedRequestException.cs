namespace AgentGuard.Http;

/// <summary>
/// The guard cannot compute an upper bound of the request's cost (the body is not a readable request, it holds
/// content the guard cannot price, its Azure deployment is not mapped, or its endpoint is one the guard cannot bound),
/// so the call was refused before it was sent and nothing was reserved. <see cref="Reason"/> says which.
/// <see cref="AgentGuardOptions.AllowUnboundedRequests"/> forwards such calls instead, except calls to unbounded
/// endpoints, which only <see cref="AgentGuardOptions.AllowedUnboundedEndpoints"/> lets through, by name, and bodies
/// larger than <see cref="AgentGuardOptions.MaxRequestBodyBytes"/>, which are never sent.
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

    /// <summary>
    /// The body holds content the guard cannot price (audio inputs and references to earlier audio, files, images of a model
    /// without an image rule).
    /// </summary>
    UnsupportedContent = 1,

    /// <summary>An Azure OpenAI deployment that <see cref="AgentGuardOptions.AzureDeployments"/> does not map to a model.</summary>
    UnknownDeployment = 2,

    /// <summary>An endpoint that can cost money the guard cannot bound (images, audio, batches, ...), not allowed by name.</summary>
    UnboundedEndpoint = 3,

    /// <summary>A hosted tool without a configured fee, or hosted tools without <c>max_tool_calls</c>.</summary>
    UnboundedToolUse = 4,

    /// <summary>
    /// The body is larger than <see cref="AgentGuardOptions.MaxRequestBodyBytes"/>: refused before it is parsed (and, when
    /// its <c>Content-Length</c> says so, before it is read), whatever <see cref="AgentGuardOptions.AllowUnboundedRequests"/> says.
    /// </summary>
    BodyTooLarge = 5,
}
