using System.Text.Json;

namespace AgentGuard.FakeOpenAI;

/// <summary>The parts of a chat completions request that decide the answer and the bill.</summary>
internal sealed record ChatRequest(
    string Model,
    FakeModelPrice Price,
    int Choices,
    int? MaxTokens,
    bool Stream,
    bool IncludeUsage,
    string? ServiceTier,
    int PromptTokens,
    int PredictionTokens)
{
    private const int MaxChoices = 128;

    /// <summary>Parses and validates a body; returns the error to answer with when it is invalid.</summary>
    public static ChatRequest? Parse(string body, out OpenAIError? error)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            error = OpenAIError.Invalid(
                "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)");
            return null;
        }

        using (doc)
        {
            return Parse(doc.RootElement, out error);
        }
    }

    private static ChatRequest? Parse(JsonElement root, out OpenAIError? error)
    {
        error = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = OpenAIError.Invalid("The request body must be a JSON object.");
            return null;
        }

        if (!root.TryGetProperty("model", out var modelElement) || modelElement.ValueKind != JsonValueKind.String)
        {
            error = OpenAIError.Invalid("you must provide a model parameter", "model", "missing_required_parameter");
            return null;
        }

        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array
            || messages.GetArrayLength() == 0
            || messages.EnumerateArray().Any(m => m.ValueKind != JsonValueKind.Object || !m.TryGetProperty("role", out var r) || r.ValueKind != JsonValueKind.String))
        {
            error = OpenAIError.Invalid("'messages' must be a non-empty array of objects with a 'role'.", "messages");
            return null;
        }

        var model = modelElement.GetString()!;
        int? n = null, maxTokens = null, maxCompletionTokens = null;
        bool? stream = null, includeUsage = null;
        string? tier = null;
        if (!TryInt(root, "n", 1, MaxChoices, ref n, ref error)
            || !TryInt(root, "max_tokens", 1, int.MaxValue, ref maxTokens, ref error)
            || !TryInt(root, "max_completion_tokens", 1, int.MaxValue, ref maxCompletionTokens, ref error)
            || !TryBool(root, "stream", ref stream, ref error)
            || (root.TryGetProperty("stream_options", out var options) && options.ValueKind == JsonValueKind.Object
                && !TryBool(options, "include_usage", ref includeUsage, ref error))
            || !TryString(root, "service_tier", ref tier, ref error)
            || !TryKind(root, "tools", JsonValueKind.Array, ref error)
            || !TryKind(root, "prediction", JsonValueKind.Object, ref error))
        {
            return null;
        }

        if (!FakePrices.TryResolve(model, out var price))
        {
            error = OpenAIError.ModelNotFound(model);
            return null;
        }

        if (tier is not null && (tier is not ("auto" or "default" or "flex" or "priority") || FakePrices.TierMultiplier(price, tier) is null))
        {
            error = OpenAIError.Invalid($"service_tier '{tier}' is not available for model '{model}'.", "service_tier", "invalid_value");
            return null;
        }

        var prompt = FakeTokenCounter.CountPromptTokens(root, price.Encoding);
        if (prompt > price.MaxInput || prompt >= price.ContextWindow)
        {
            error = OpenAIError.Invalid(
                $"This model's maximum context length is {price.ContextWindow} tokens (at most {price.MaxInput} input). However, your messages resulted in {prompt} tokens.",
                "messages", "context_length_exceeded");
            return null;
        }

        return new ChatRequest(
            model,
            price,
            n ?? 1,
            maxCompletionTokens ?? maxTokens,
            stream ?? false,
            includeUsage ?? false,
            tier,
            prompt,
            FakeTokenCounter.CountPredictionTokens(root, price.Encoding));
    }

    private static bool TryInt(JsonElement root, string name, int min, int max, ref int? value, ref OpenAIError? error)
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var number) && number >= min && number <= max)
        {
            value = number;
            return true;
        }

        error = OpenAIError.Invalid($"Invalid '{name}': expected an integer from {min} to {max}.", name, "invalid_value");
        return false;
    }

    private static bool TryBool(JsonElement root, string name, ref bool? value, ref OpenAIError? error)
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            value = element.GetBoolean();
            return true;
        }

        error = OpenAIError.Invalid($"Invalid '{name}': expected a boolean.", name, "invalid_type");
        return false;
    }

    private static bool TryString(JsonElement root, string name, ref string? value, ref OpenAIError? error)
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind == JsonValueKind.String)
        {
            value = element.GetString();
            return true;
        }

        error = OpenAIError.Invalid($"Invalid '{name}': expected a string.", name, "invalid_type");
        return false;
    }

    private static bool TryKind(JsonElement root, string name, JsonValueKind kind, ref OpenAIError? error)
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null || element.ValueKind == kind)
        {
            return true;
        }

        error = OpenAIError.Invalid($"Invalid '{name}': expected {(kind == JsonValueKind.Array ? "an array" : "an object")}.", name, "invalid_type");
        return false;
    }
}
