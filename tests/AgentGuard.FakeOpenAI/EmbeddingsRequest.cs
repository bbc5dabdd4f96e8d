using System.Text.Json;
using static AgentGuard.FakeOpenAI.JsonFields;

namespace AgentGuard.FakeOpenAI;

/// <summary>A parsed /v1/embeddings request: the tokens of each input (strings counted with the model's
/// encoding, no framing; token-id arrays by their length), the vector size and its encoding.</summary>
internal sealed record EmbeddingsRequest(ResolvedModel Resolved, IReadOnlyList<int> InputTokens, int Dimensions, bool Base64)
{
    public const int MaxInputs = 2048;
    public const int MaxTokensPerRequest = 300_000;

    public int PromptTokens => InputTokens.Sum();

    public static EmbeddingsRequest? Parse(string body, FakeRoute route, FakeBehavior behavior, out OpenAIError? error)
    {
        using var doc = ParseObject(body, out error);
        return doc is null ? null : Parse(doc.RootElement, route, behavior, out error);
    }

    /// <summary>The vector size of a model, and whether it accepts <c>dimensions</c>.</summary>
    public static (int Native, bool Shortens) DimensionsOf(string family) => family switch
    {
        "text-embedding-3-large" => (3072, true),
        "text-embedding-3-small" => (1536, true),
        _ => (1536, false),
    };

    private static EmbeddingsRequest? Parse(JsonElement root, FakeRoute route, FakeBehavior behavior, out OpenAIError? error)
    {
        error = null;
        if (route.NeedsBodyModel && (!root.TryGetProperty("model", out var modelElement) || modelElement.ValueKind != JsonValueKind.String))
        {
            error = OpenAIError.MissingModel();
            return null;
        }

        int? dimensions = null;
        string? format = null;
        if (!TryInt(root, "dimensions", 1, int.MaxValue, ref dimensions, ref error) || !TryString(root, "encoding_format", ref format, ref error))
        {
            return null;
        }

        if (format is not (null or "float" or "base64"))
        {
            error = OpenAIError.Invalid($"Invalid 'encoding_format': '{format}'. Expected 'float' or 'base64'.", "encoding_format", "invalid_value");
            return null;
        }

        if (route.Resolve(root, behavior, FakeModelKind.Embeddings, "embeddings", out error) is not { } resolved)
        {
            return null;
        }

        var (native, shortens) = DimensionsOf(resolved.Price.Model);
        if (dimensions is { } d && (!shortens || d > native))
        {
            error = OpenAIError.Invalid(
                shortens ? $"Invalid 'dimensions': at most {native} for this model." : "This model does not support specifying dimensions.",
                "dimensions", "invalid_value");
            return null;
        }

        var tokens = CountInputs(root, resolved.Price, out error);
        if (tokens is null)
        {
            return null;
        }

        var tooLong = tokens.FindIndex(t => t > resolved.Price.MaxInput);
        if (tooLong >= 0)
        {
            error = OpenAIError.Invalid(
                $"This model's maximum context length is {resolved.Price.MaxInput} tokens, however you requested {tokens[tooLong]} tokens in input {tooLong}. Please reduce your prompt.",
                "input", "context_length_exceeded");
            return null;
        }

        if (tokens.Sum(t => (long)t) > MaxTokensPerRequest)
        {
            error = OpenAIError.Invalid(
                $"Requested {tokens.Sum(t => (long)t)} tokens, max {MaxTokensPerRequest} tokens per request.", "input", "max_tokens_per_request");
            return null;
        }

        return new EmbeddingsRequest(resolved, tokens, dimensions ?? native, format == "base64");
    }

    /// <summary>input: a string, strings, token ids, or arrays of token ids; none empty.</summary>
    private static List<int>? CountInputs(JsonElement root, FakeModelPrice price, out OpenAIError? error)
    {
        error = null;
        if (!root.TryGetProperty("input", out var input) || input.ValueKind == JsonValueKind.Null)
        {
            error = OpenAIError.Invalid("you must provide an input parameter", "input", "missing_required_parameter");
            return null;
        }

        List<int> tokens = [];
        if (input.ValueKind == JsonValueKind.String)
        {
            tokens.Add(FakeTokenCounter.CountTokens(input.GetString()!, price.Encoding));
        }
        else if (input.ValueKind == JsonValueKind.Array && input.GetArrayLength() > 0)
        {
            var items = input.EnumerateArray().ToList();
            if (items.All(IsTokenId))
            {
                tokens.Add(items.Count);
            }
            else if (items.Count > MaxInputs)
            {
                tokens.Clear();
            }
            else if (items.All(i => i.ValueKind == JsonValueKind.String))
            {
                tokens.AddRange(items.Select(i => FakeTokenCounter.CountTokens(i.GetString()!, price.Encoding)));
            }
            else if (items.All(i => i.ValueKind == JsonValueKind.Array && i.GetArrayLength() > 0 && i.EnumerateArray().All(IsTokenId)))
            {
                tokens.AddRange(items.Select(i => i.GetArrayLength()));
            }
            else
            {
                tokens.Clear();
            }
        }

        if (tokens.Count == 0 || tokens.Contains(0))
        {
            error = OpenAIError.Invalid(
                $"'$.input' is invalid: expected a non-empty string, up to {MaxInputs} non-empty strings, token ids, or arrays of token ids.",
                "input", "invalid_value");
            return null;
        }

        return tokens;
    }

    private static bool IsTokenId(JsonElement e) => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var id) && id >= 0;
}
