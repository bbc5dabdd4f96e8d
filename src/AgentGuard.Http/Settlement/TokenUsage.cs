namespace AgentGuard.Http.Settlement;

/// <summary>What a response's <c>usage</c> says was billed, and at which tier.</summary>
/// <param name="PromptTokens">All input tokens (<c>prompt_tokens</c>, or <c>input_tokens</c> on the Responses API).</param>
/// <param name="CachedTokens">The part of the input billed at the cached price.</param>
/// <param name="CompletionTokens">All output tokens (<c>completion_tokens</c> or <c>output_tokens</c>), reasoning included.</param>
/// <param name="ServiceTier">The tier the response says billed it.</param>
internal readonly record struct TokenUsage(long PromptTokens, long CachedTokens, long CompletionTokens, string? ServiceTier)
{
    /// <summary>
    /// The part of <see cref="PromptTokens"/> that is audio (<c>prompt_tokens_details.audio_tokens</c>), billed at the audio input price.
    /// </summary>
    public long AudioPromptTokens { get; init; }

    /// <summary>
    /// The part of <see cref="CompletionTokens"/> that is audio (<c>completion_tokens_details.audio_tokens</c>), billed at the audio output price.
    /// </summary>
    public long AudioCompletionTokens { get; init; }

    /// <summary>Responses API: the response's id, whose tokens a later <c>previous_response_id</c> brings in again.</summary>
    public string? ResponseId { get; init; }

    /// <summary>Responses API: the hosted tool calls the response made, by tool type (<c>web_search</c>, ...); <see langword="null"/> when none.</summary>
    public IReadOnlyDictionary<string, int>? HostedToolCalls { get; init; }
}
