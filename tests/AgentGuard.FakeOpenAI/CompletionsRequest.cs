using System.Text.Json;
using static AgentGuard.FakeOpenAI.JsonFields;

namespace AgentGuard.FakeOpenAI;

/// <summary>One prompt of a legacy completions request: its text (empty for token ids) and tokens.</summary>
internal sealed record CompletionsPrompt(string Text, int Tokens);

/// <summary>A parsed legacy /v1/completions request. Each prompt gets N choices and is billed for
/// max(n, best_of) completions of up to MaxTokens (16 by default) each.</summary>
internal sealed record CompletionsRequest(
    ResolvedModel Resolved,
    IReadOnlyList<CompletionsPrompt> Prompts,
    int MaxTokens,
    int N,
    int BestOf,
    bool Echo,
    bool Stream,
    bool IncludeUsage)
{
    public const int DefaultMaxTokens = 16;
    private const int MaxChoices = 128;
    private const int MaxBestOf = 20;

    /// <summary>Completions billed per prompt.</summary>
    public int BilledChoices => Math.Max(N, BestOf);

    public int PromptTokens => Prompts.Sum(p => p.Tokens);

    public static CompletionsRequest? Parse(string body, FakeRoute route, FakeBehavior behavior, out OpenAIError? error)
    {
        using var doc = ParseObject(body, out error);
        return doc is null ? null : Parse(doc.RootElement, route, behavior, out error);
    }

    private static CompletionsRequest? Parse(JsonElement root, FakeRoute route, FakeBehavior behavior, out OpenAIError? error)
    {
        error = null;
        if (route.NeedsBodyModel && (!root.TryGetProperty("model", out var modelElement) || modelElement.ValueKind != JsonValueKind.String))
        {
            error = OpenAIError.MissingModel();
            return null;
        }

        int? maxTokens = null, n = null, bestOf = null;
        bool? echo = null, stream = null, includeUsage = null;
        if (!TryInt(root, "max_tokens", 0, int.MaxValue, ref maxTokens, ref error)
            || !TryInt(root, "n", 1, MaxChoices, ref n, ref error)
            || !TryInt(root, "best_of", 1, MaxBestOf, ref bestOf, ref error)
            || !TryBool(root, "echo", ref echo, ref error)
            || !TryBool(root, "stream", ref stream, ref error)
            || !TryIncludeUsage(root, ref includeUsage, ref error))
        {
            return null;
        }

        if (bestOf < (n ?? 1))
        {
            error = OpenAIError.Invalid("best_of must be greater than or equal to n.", "best_of", "invalid_value");
            return null;
        }

        if (stream == true && bestOf > 1)
        {
            error = OpenAIError.Invalid("best_of cannot be used with stream.", "best_of", "invalid_value");
            return null;
        }

        if (route.Resolve(root, behavior, FakeModelKind.Completions, "completions", out error) is not { } resolved)
        {
            return null;
        }

        var prompts = ParsePrompts(root, resolved.Price, out error);
        if (prompts is null)
        {
            return null;
        }

        var max = maxTokens ?? DefaultMaxTokens;
        var longest = prompts.Max(p => p.Tokens);
        if ((long)longest + max > resolved.Price.ContextWindow)
        {
            error = OpenAIError.Invalid(
                $"This model's maximum context length is {resolved.Price.ContextWindow} tokens, however you requested {(long)longest + max} tokens ({longest} in your prompt; {max} for the completion). Please reduce your prompt; or completion length.",
                "prompt", "context_length_exceeded");
            return null;
        }

        return new CompletionsRequest(resolved, prompts, max, n ?? 1, bestOf ?? 1, echo ?? false, stream ?? false, includeUsage ?? false);
    }

    /// <summary>prompt: a string, strings, token ids, or arrays of token ids; absent is one empty prompt
    /// ("&lt;|endoftext|&gt;", 1 token).</summary>
    private static List<CompletionsPrompt>? ParsePrompts(JsonElement root, FakeModelPrice price, out OpenAIError? error)
    {
        error = null;
        if (!root.TryGetProperty("prompt", out var prompt) || prompt.ValueKind == JsonValueKind.Null)
        {
            return [new CompletionsPrompt(string.Empty, 1)];
        }

        CompletionsPrompt Text(string text) => new(text, FakeTokenCounter.CountTokens(text, price.Encoding));
        if (prompt.ValueKind == JsonValueKind.String)
        {
            return [Text(prompt.GetString()!)];
        }

        if (prompt.ValueKind == JsonValueKind.Array && prompt.GetArrayLength() > 0)
        {
            var items = prompt.EnumerateArray().ToList();
            if (items.All(i => i.ValueKind == JsonValueKind.String))
            {
                return [.. items.Select(i => Text(i.GetString()!))];
            }

            if (items.All(IsTokenId))
            {
                return [new CompletionsPrompt(string.Empty, items.Count)];
            }

            if (items.All(i => i.ValueKind == JsonValueKind.Array && i.EnumerateArray().All(IsTokenId)))
            {
                return [.. items.Select(i => new CompletionsPrompt(string.Empty, i.GetArrayLength()))];
            }
        }

        error = OpenAIError.Invalid("Invalid 'prompt': expected a string, strings, token ids, or arrays of token ids.", "prompt", "invalid_type");
        return null;
    }

    private static bool IsTokenId(JsonElement e) => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var id) && id >= 0;
}
