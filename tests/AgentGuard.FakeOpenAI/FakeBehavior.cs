using System.Collections.Frozen;

namespace AgentGuard.FakeOpenAI;

/// <summary>How many completion tokens the fake reports.</summary>
public enum FakeOutputMode
{
    /// <summary>A small fixed count per choice (<see cref="FakeBehavior.ShortCompletionTokens"/>, capped by the request).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The mode's name.")]
    Short,

    /// <summary>The largest output the request allows, plus every predicted token rejected.</summary>
    WorstCase,
}

/// <summary>A failure the fake injects after it has read and validated the request.</summary>
public enum FakeFailure
{
    None,

    /// <summary>429 with an OpenAI error body; not billed.</summary>
    RateLimit429,

    /// <summary>500 with an OpenAI error body; not billed.</summary>
    ServerError500,

    /// <summary>502 with an HTML body (a proxy answering); billed in full.</summary>
    BadGateway502,

    /// <summary>408 with a plain-text body; billed in full.</summary>
    Timeout408,

    /// <summary>400 with an OpenAI error body; not billed.</summary>
    BadRequest400,

    /// <summary>Half the response, then the connection is aborted; billed in full.</summary>
    CutStreamMidway,

    /// <summary>The connection is aborted before any response; billed in full.</summary>
    AbortBeforeResponse,

    /// <summary>429 <c>insufficient_quota</c>, as OpenAI answers an account out of credit; not billed.</summary>
    InsufficientQuota429,

    /// <summary>400 <c>billing_hard_limit_reached</c>, as OpenAI answers a project over its spend limit; not billed.</summary>
    SpendLimit400,
}

/// <summary>What the fake server does with each request. Read once when a request arrives.</summary>
public sealed record FakeBehavior
{
    /// <summary>Short, with non-ASCII characters of 2, 3 and 4 UTF-8 bytes.</summary>
    public const string DefaultContentText = "Héllo wörld! 你好，世界 👋 ça va? ✓";

    // Declared before Default: static initializers run in textual order.
    /// <summary>web_search 0.01, file_search 0.0025, code_interpreter 0.03 USD per call.</summary>
    public static IReadOnlyDictionary<string, decimal> DefaultHostedToolFeesUsd { get; } = new Dictionary<string, decimal>(StringComparer.Ordinal)
    {
        ["web_search"] = 0.01m,
        ["file_search"] = 0.0025m,
        ["code_interpreter"] = 0.03m,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>my-gpt4o: gpt-4o, my-mini: gpt-4o-mini, my-embed: text-embedding-3-small.</summary>
    public static IReadOnlyDictionary<string, string> DefaultAzureDeployments { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["my-gpt4o"] = "gpt-4o",
        ["my-mini"] = "gpt-4o-mini",
        ["my-embed"] = "text-embedding-3-small",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static FakeBehavior Default { get; } = new();

    public FakeOutputMode OutputMode { get; init; } = FakeOutputMode.Short;

    public FakeFailure Failure { get; init; } = FakeFailure.None;

    /// <summary>The response carries no usage (the meter still bills).</summary>
    public bool OmitUsage { get; init; }

    /// <summary>Reported as prompt_tokens_details.cached_tokens, clamped to the prompt tokens.</summary>
    public int CachedTokens { get; init; }

    /// <summary>Reported as completion_tokens_details.reasoning_tokens, a part of completion_tokens (clamped).</summary>
    public int ReasoningTokens { get; init; }

    /// <summary>The tier the response reports and the meter bills; null echoes the request's
    /// "default", "flex" or "priority", otherwise "default".</summary>
    public string? ReportedServiceTier { get; init; }

    /// <summary>Write SSE output in pieces of 1 to 7 bytes, flushing after each one.</summary>
    public bool SplitSse { get; init; }

    public int SplitSeed { get; init; }

    /// <summary>Write garbled lines (broken JSON, comments, unknown fields) before every SSE event.</summary>
    public bool GarbleSse { get; init; }

    /// <summary>How long each request is held before the server answers.</summary>
    public TimeSpan ResponseDelay { get; init; } = TimeSpan.Zero;

    public string ContentText { get; init; } = DefaultContentText;

    /// <summary>Completion tokens per choice in <see cref="FakeOutputMode.Short"/> mode.</summary>
    public int ShortCompletionTokens { get; init; } = 5;

    /// <summary>Responses API: the hidden input a request's <c>conversation</c> adds (its earlier items).</summary>
    public int ConversationTokens { get; init; } = 1000;

    /// <summary>Responses API: hosted tool calls in <see cref="FakeOutputMode.WorstCase"/> mode when the
    /// request sets no <c>max_tool_calls</c> (Short mode makes one call).</summary>
    public int HostedToolCalls { get; init; } = 2;

    /// <summary>Responses API: input tokens each hosted tool call adds (its results, read by the model).</summary>
    public int ToolResultTokens { get; init; } = 500;

    /// <summary>Responses API: USD per hosted tool call, by tool type (<c>web_search</c> also prices
    /// <c>web_search_preview</c> and dated variants). A tool type without a fee is a misconfiguration (500).</summary>
    public IReadOnlyDictionary<string, decimal> HostedToolFeesUsd { get; init; } = DefaultHostedToolFeesUsd;

    /// <summary>Responses API: how a response ends: <see cref="FakeResponsesTerminal.Completed"/>,
    /// <see cref="FakeResponsesTerminal.Incomplete"/> or <see cref="FakeResponsesTerminal.Failed"/>; billed and
    /// reporting usage in all three.</summary>
    public string ResponsesTerminal { get; init; } = FakeResponsesTerminal.Completed;

    /// <summary>Responses API: GETs of a background response answering "in_progress" before it is done.</summary>
    public int BackgroundPolls { get; init; }

    /// <summary>The size the fake assumes for an image given by URL or file id (not its worst case:
    /// in <see cref="FakeOutputMode.WorstCase"/> mode the largest-billing size of the model's family is used).</summary>
    public FakeImageSize UrlImageSize { get; init; } = new(1024, 1024);

    /// <summary>Azure OpenAI: deployment name to model.</summary>
    public IReadOnlyDictionary<string, string> AzureDeployments { get; init; } = DefaultAzureDeployments;

    /// <summary>Serve OpenAI's API (not Azure's) under <c>/openai/v1/</c>, as a proxy that mounts it there does.</summary>
    public bool OpenAIUnderOpenAIV1 { get; init; }

    /// <summary>Chat completions: audio prices by the fake table's model name (a dated snapshot uses its family's). A
    /// model listed here produces audio output (<c>modalities</c> with <c>"audio"</c> and an <c>audio</c> parameter):
    /// all its completion tokens are audio in <see cref="FakeOutputMode.WorstCase"/> mode when audio costs at least as
    /// much as text output (else none: the worst case bills the most), half of them (rounded up) in
    /// <see cref="FakeOutputMode.Short"/> mode, reported as <c>completion_tokens_details.audio_tokens</c> and billed at
    /// the audio output price. A request for audio output to a model not listed is refused with a 400, unbilled.
    /// Empty by default.</summary>
    public IReadOnlyDictionary<string, FakeAudioPrice> AudioPricesUsd { get; init; } = new Dictionary<string, FakeAudioPrice>(StringComparer.Ordinal);
}

/// <summary>The terminal states of a Responses API response the fake can produce.</summary>
public static class FakeResponsesTerminal
{
    /// <summary>status "completed", stream event <c>response.completed</c>.</summary>
    public const string Completed = "completed";

    /// <summary>status "incomplete" (reason max_output_tokens), stream event <c>response.incomplete</c>.</summary>
    public const string Incomplete = "incomplete";

    /// <summary>status "failed" (error server_error), stream event <c>response.failed</c>.</summary>
    public const string Failed = "failed";
}

/// <summary>An image's size in pixels.</summary>
public readonly record struct FakeImageSize(int Width, int Height);

/// <summary>Request headers that override <see cref="FakeBehavior"/> for one request.</summary>
public static class FakeHeaders
{
    /// <summary>A <see cref="FakeFailure"/> name.</summary>
    public const string Failure = "x-fake-failure";

    /// <summary>A <see cref="FakeOutputMode"/> name.</summary>
    public const string Output = "x-fake-output";
}

public static class FakeFailureExtensions
{
    /// <summary>Whether a request answered with this failure is billed (in full).</summary>
    public static bool IsBilled(this FakeFailure failure) => failure switch
    {
        FakeFailure.RateLimit429 or FakeFailure.ServerError500 or FakeFailure.BadRequest400 => false,
        _ => true,
    };
}
