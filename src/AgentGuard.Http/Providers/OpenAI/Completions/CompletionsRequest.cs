namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>What the guard needs to know of a legacy Completions request body (see <see cref="CompletionsRequestReader"/>).</summary>
internal sealed class CompletionsRequest : OpenAIRequest
{
    /// <summary>The cap OpenAI applies when <c>max_tokens</c> is absent or <c>null</c>.</summary>
    public const int DefaultMaxTokens = 16;

    /// <summary>
    /// What an absent or <c>null</c> <c>prompt</c> means: one prompt of one token (<c>&lt;|endoftext|&gt;</c>). No lower
    /// bound is claimed for it: the context window is never the cap that a one-token prompt shrinks.
    /// </summary>
    public static TextOrTokenIds DefaultPrompt { get; } = new(1, 1, 0, 1);

    public override LlmOperation Operation => OpenAIOperations.Completions;

    /// <summary>The prompts: each is completed on its own, and billed on its own.</summary>
    public required TextOrTokenIds Prompt { get; init; }

    /// <summary>Whether <c>suffix</c> is a string: its text is input to every prompt's completion.</summary>
    public bool HasSuffix { get; init; }

    /// <summary>The bytes of <c>suffix</c> as they stand in the body: a bound on its tokens.</summary>
    public long SuffixBytes { get; init; }

    /// <summary><c>max_tokens</c>, <see langword="null"/> when absent or <c>null</c>.</summary>
    public int? MaxTokens { get; init; }

    /// <summary><c>n</c>: completions returned per prompt.</summary>
    public int N { get; init; } = 1;

    /// <summary><c>best_of</c>: completions generated per prompt (server side), <see langword="null"/> when absent.</summary>
    public int? BestOf { get; init; }

    /// <summary><c>echo</c>: every completion returns its prompt too.</summary>
    public bool Echo { get; init; }

    /// <summary>
    /// Completions billed per prompt: <c>best_of</c> are generated and <c>n</c> returned; OpenAI rejects
    /// <c>best_of</c> &lt; <c>n</c>, and the larger of the two stays an upper bound should it not.
    /// </summary>
    public int CompletionsPerPrompt => Math.Max(N, BestOf ?? 1);

    /// <summary>Completions billed in all: every prompt is completed on its own.</summary>
    public long BilledCompletions => (long)Prompt.Items * CompletionsPerPrompt;

    /// <summary>As on chat: a stream must be asked for its usage unless the caller asked.</summary>
    protected override bool StreamUsageIsOptIn => true;

    /// <summary>The cap of each completion: <c>max_tokens</c>, or the 16 OpenAI applies without it (never "no cap").</summary>
    public override int? OutputCap => MaxTokens ?? DefaultMaxTokens;

    public override string OutputCapMember => "max_tokens";
}
