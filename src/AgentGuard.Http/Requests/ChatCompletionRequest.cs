namespace AgentGuard.Http.Requests;

/// <summary>
/// What the guard needs to know of a Chat Completions request body, read in one pass
/// without copying its text (see <see cref="ChatCompletionRequestReader"/>).
/// </summary>
internal sealed class ChatCompletionRequest
{
    public required string Model { get; init; }

    /// <summary>The size of the whole JSON body in UTF-8 bytes: a bound on its text tokens.</summary>
    public int BodyBytes { get; init; }

    public int MessageCount { get; init; }

    public int NameCount { get; init; }

    /// <summary>Tool and legacy function definitions.</summary>
    public int ToolCount { get; init; }

    public bool HasResponseFormat { get; init; }

    /// <summary><c>n</c>: every choice is billed.</summary>
    public int Choices { get; init; } = 1;

    public int? MaxCompletionTokens { get; init; }

    public int? MaxTokens { get; init; }

    /// <summary>The UTF-8 size of the <c>prediction</c> value: a bound on its tokens.</summary>
    public int PredictionBytes { get; init; }

    public bool Stream { get; init; }

    /// <summary>Whether the body has a <c>stream_options</c> member (of any value).</summary>
    public bool HasStreamOptions { get; init; }

    /// <summary><c>stream_options.include_usage</c>, <see langword="null"/> when absent.</summary>
    public bool? IncludeUsage { get; init; }

    /// <summary><c>service_tier</c> as sent, <see langword="null"/> when absent.</summary>
    public string? ServiceTier { get; init; }

    /// <summary>Whether a stream must be asked for its usage chunk, which the caller then does not see.</summary>
    public bool NeedsUsageInjected => Stream && IncludeUsage != true;
}
