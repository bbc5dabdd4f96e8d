namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// What the guard needs to know of a Chat Completions request body, read in one pass
/// without copying its text (see <see cref="ChatCompletionRequestReader"/>).
/// </summary>
internal sealed class ChatCompletionRequest : OpenAIRequest
{
    public override LlmOperation Operation => OpenAIOperations.ChatCompletions;

    public int MessageCount { get; init; }

    public int NameCount { get; init; }

    /// <summary>Tool and legacy function definitions.</summary>
    public int ToolCount { get; init; }

    public bool HasResponseFormat { get; init; }

    /// <summary><c>n</c>: every choice is billed.</summary>
    public int Choices { get; init; } = 1;

    public int? MaxCompletionTokens { get; init; }

    public int? MaxTokens { get; init; }

    /// <summary>
    /// Whether the request asks for audio output (<c>modalities</c> with <c>"audio"</c>, or a non-null <c>audio</c> parameter):
    /// priced only for a model with an audio output price.
    /// </summary>
    public bool AudioOutput { get; init; }

    /// <summary>The UTF-8 size of the <c>prediction</c> value: a bound on its tokens.</summary>
    public int PredictionBytes { get; init; }

    /// <inheritdoc />
    protected override bool StreamUsageIsOptIn => true;

    /// <summary>Both caps may be sent; the larger one is the one that can be billed.</summary>
    public override int? OutputCap => MaxCompletionTokens is null && MaxTokens is null ? null : Math.Max(MaxCompletionTokens ?? 0, MaxTokens ?? 0);

    /// <summary>An Azure-style body that caps with <c>max_tokens</c> alone keeps it; everything else uses <c>max_completion_tokens</c>.</summary>
    public override string OutputCapMember => MaxTokens is not null && MaxCompletionTokens is null ? "max_tokens" : "max_completion_tokens";
}
