using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>A request to the OpenAI API: what its streams need to carry usage (<c>stream_options.include_usage</c>).</summary>
internal abstract class OpenAIRequest : GuardedRequest
{
    /// <summary>Whether the body has a <c>stream_options</c> member (of any value).</summary>
    public bool HasStreamOptions { get; init; }

    /// <summary><c>stream_options.include_usage</c>, <see langword="null"/> when absent.</summary>
    public bool? IncludeUsage { get; init; }

    /// <summary>
    /// Whether a stream must be asked for its usage chunk (<c>stream_options.include_usage</c>), which the caller then
    /// does not see: on endpoints whose streams carry usage only when asked, a stream that did not ask.
    /// </summary>
    public override bool NeedsUsageInjected => StreamUsageIsOptIn && Stream && IncludeUsage != true;

    /// <summary>Whether this endpoint's streams carry usage only when asked (Chat Completions, Completions); Responses streams always do.</summary>
    protected virtual bool StreamUsageIsOptIn => false;
}
