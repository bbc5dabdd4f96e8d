using System.Text.Json;
using static AgentGuard.FakeOpenAI.JsonFields;

namespace AgentGuard.FakeOpenAI;

/// <summary>The parts of a chat completions request that decide the answer and the bill. PromptTokens
/// includes ImageTokens. Audio is the model's audio price when the request asks for audio output.</summary>
internal sealed record ChatRequest(
    string Model,
    FakeModelPrice Price,
    int Choices,
    int? MaxTokens,
    bool Stream,
    bool IncludeUsage,
    string? ServiceTier,
    int PromptTokens,
    int PredictionTokens,
    int ImageTokens = 0,
    string? Deployment = null,
    FakeAudioPrice? Audio = null)
{
    private const int MaxChoices = 128;

    /// <summary>Parses and validates a body; returns the error to answer with when it is invalid.</summary>
    public static ChatRequest? Parse(string body, FakeRoute route, FakeBehavior behavior, out OpenAIError? error)
    {
        using var doc = ParseObject(body, out error);
        return doc is null ? null : Parse(doc.RootElement, route, behavior, out error);
    }

    private static ChatRequest? Parse(JsonElement root, FakeRoute route, FakeBehavior behavior, out OpenAIError? error)
    {
        error = null;
        if (route.NeedsBodyModel && (!root.TryGetProperty("model", out var modelElement) || modelElement.ValueKind != JsonValueKind.String))
        {
            error = OpenAIError.MissingModel();
            return null;
        }

        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array
            || messages.GetArrayLength() == 0
            || messages.EnumerateArray().Any(m => m.ValueKind != JsonValueKind.Object || !m.TryGetProperty("role", out var r) || r.ValueKind != JsonValueKind.String))
        {
            error = OpenAIError.Invalid("'messages' must be a non-empty array of objects with a 'role'.", "messages");
            return null;
        }

        int? n = null, maxTokens = null, maxCompletionTokens = null;
        bool? stream = null, includeUsage = null;
        string? tier = null;
        if (!TryInt(root, "n", 1, MaxChoices, ref n, ref error)
            || !TryInt(root, "max_tokens", 1, int.MaxValue, ref maxTokens, ref error)
            || !TryInt(root, "max_completion_tokens", 1, int.MaxValue, ref maxCompletionTokens, ref error)
            || !TryBool(root, "stream", ref stream, ref error)
            || !TryIncludeUsage(root, ref includeUsage, ref error)
            || !TryString(root, "service_tier", ref tier, ref error)
            || !TryKind(root, "tools", JsonValueKind.Array, ref error)
            || !TryKind(root, "prediction", JsonValueKind.Object, ref error))
        {
            return null;
        }

        // Azure On Your Data: the service refuses stream_options next to data_sources.
        if (route.Azure && root.TryGetProperty("data_sources", out var sources) && sources.ValueKind != JsonValueKind.Null
            && root.TryGetProperty("stream_options", out var streamOptions) && streamOptions.ValueKind != JsonValueKind.Null)
        {
            error = OpenAIError.Invalid("stream_options is not supported together with data_sources (fake Azure OpenAI).", "stream_options", "unsupported_parameter");
            return null;
        }

        if (route.Resolve(root, behavior, FakeModelKind.Chat, "chat/completions", out error) is not { } resolved)
        {
            return null;
        }

        var (model, price) = (resolved.Model, resolved.Price);
        if (!TryTier(tier, price, model, ref error))
        {
            return null;
        }

        if (!TryAudioOutput(root, price, model, behavior, out var audio, ref error))
        {
            return null;
        }

        var images = FakeImageTokens.CountChat(root, price, behavior, out error);
        if (error is not null)
        {
            return null;
        }

        var prompt = FakeTokenCounter.CountPromptTokens(root, price.Encoding) + images;
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
            FakeTokenCounter.CountPredictionTokens(root, price.Encoding),
            images,
            resolved.Deployment,
            audio);
    }

    /// <summary>modalities with "audio" asks for audio output: it needs the audio parameter (an object) and a model
    /// with an audio price (<see cref="FakeBehavior.AudioPricesUsd"/>); an audio parameter alone is ignored.</summary>
    private static bool TryAudioOutput(JsonElement root, FakeModelPrice price, string model, FakeBehavior behavior, out FakeAudioPrice? audio, ref OpenAIError? error)
    {
        audio = null;
        if (!TryKind(root, "modalities", JsonValueKind.Array, ref error) || !TryKind(root, "audio", JsonValueKind.Object, ref error))
        {
            return false;
        }

        var wantsAudio = root.TryGetProperty("modalities", out var modalities) && modalities.ValueKind == JsonValueKind.Array
            && modalities.EnumerateArray().Any(m => m.ValueKind == JsonValueKind.String && m.GetString() == "audio");
        if (!wantsAudio)
        {
            return true;
        }

        if (!root.TryGetProperty("audio", out var parameter) || parameter.ValueKind != JsonValueKind.Object)
        {
            error = OpenAIError.Invalid("The 'audio' parameter is required when 'modalities' includes 'audio'.", "audio", "missing_required_parameter");
            return false;
        }

        if (!behavior.AudioPricesUsd.TryGetValue(price.Model, out var audioPrice))
        {
            error = OpenAIError.Invalid($"This model ('{model}') does not support audio output.", "modalities", "invalid_value");
            return false;
        }

        audio = audioPrice;
        return true;
    }
}
