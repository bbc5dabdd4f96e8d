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
}

/// <summary>What the fake server does with each request. Read once when a request arrives.</summary>
public sealed record FakeBehavior
{
    /// <summary>Short, with non-ASCII characters of 2, 3 and 4 UTF-8 bytes.</summary>
    public const string DefaultContentText = "Héllo wörld! 你好，世界 👋 ça va? ✓";

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
}

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
