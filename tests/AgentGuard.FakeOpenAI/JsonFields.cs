using System.Text.Json;

namespace AgentGuard.FakeOpenAI;

/// <summary>Reads and validates request fields the way OpenAI answers bad ones: a 400 naming the field.
/// A missing or null field leaves the value unset and passes.</summary>
internal static class JsonFields
{
    /// <summary>Parses a body that must be a JSON object; null with the error to answer otherwise.</summary>
    public static JsonDocument? ParseObject(string body, out OpenAIError? error)
    {
        error = null;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            error = OpenAIError.InvalidJson();
            return null;
        }

        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            doc.Dispose();
            error = OpenAIError.Invalid("The request body must be a JSON object.");
            return null;
        }

        return doc;
    }

    public static bool TryInt(JsonElement root, string name, int min, int max, ref int? value, ref OpenAIError? error)
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

    public static bool TryBool(JsonElement root, string name, ref bool? value, ref OpenAIError? error)
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

    public static bool TryString(JsonElement root, string name, ref string? value, ref OpenAIError? error)
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

    public static bool TryKind(JsonElement root, string name, JsonValueKind kind, ref OpenAIError? error)
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null || element.ValueKind == kind)
        {
            return true;
        }

        error = OpenAIError.Invalid($"Invalid '{name}': expected {(kind == JsonValueKind.Array ? "an array" : "an object")}.", name, "invalid_type");
        return false;
    }

    /// <summary>stream_options.include_usage, when stream_options is an object.</summary>
    public static bool TryIncludeUsage(JsonElement root, ref bool? value, ref OpenAIError? error) =>
        !root.TryGetProperty("stream_options", out var options) || options.ValueKind != JsonValueKind.Object
        || TryBool(options, "include_usage", ref value, ref error);

    /// <summary>A service_tier the model offers ("auto", "default", "flex", "priority"), or an error.</summary>
    public static bool TryTier(string? tier, FakeModelPrice price, string model, ref OpenAIError? error)
    {
        if (tier is null || (tier is "auto" or "default" or "flex" or "priority" && FakePrices.TierMultiplier(price, tier) is not null))
        {
            return true;
        }

        error = OpenAIError.Invalid($"service_tier '{tier}' is not available for model '{model}'.", "service_tier", "invalid_value");
        return false;
    }
}
