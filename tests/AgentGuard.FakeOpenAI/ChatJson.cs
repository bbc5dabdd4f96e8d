using System.Text.Json;

namespace AgentGuard.FakeOpenAI;

/// <summary>One answer to render: as a chat.completion or as chat.completion.chunk events.
/// ReportUsage is false when the behavior omits usage; IncludeUsage is the stream's include_usage. An Audio answer
/// carries its text as the audio's transcript (content null), as OpenAI answers audio output.</summary>
internal sealed record ChatAnswer(
    string Id, long Created, string Model, int Choices, string Content, ChatUsage Usage, bool ReportUsage, bool IncludeUsage, bool Audio = false);

/// <summary>Renders OpenAI chat completion JSON. Content is written as raw UTF-8 (not \u escapes),
/// so split SSE output really cuts multi-byte characters.</summary>
internal static class ChatJson
{
    public static byte[] Completion(ChatAnswer a) => Render(w =>
    {
        WriteHeader(w, a, "chat.completion");
        w.WriteStartArray("choices");
        for (var i = 0; i < a.Choices; i++)
        {
            w.WriteStartObject();
            w.WriteNumber("index", i);
            w.WriteStartObject("message");
            w.WriteString("role", "assistant");
            if (a.Audio)
            {
                w.WriteNull("content");
                w.WriteStartObject("audio");
                w.WriteString("id", AudioId(a, i));
                w.WriteNumber("expires_at", a.Created + 3600);
                w.WriteBase64String("data", FakeAudioBytes);
                WriteRawString(w, "transcript", a.Content);
                w.WriteEndObject();
            }
            else
            {
                WriteRawString(w, "content", a.Content);
            }

            w.WriteNull("refusal");
            w.WriteStartArray("annotations");
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteNull("logprobs");
            w.WriteString("finish_reason", a.Usage.FinishReason);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (a.ReportUsage)
        {
            WriteUsage(w, a.Usage);
        }

        WriteFooter(w, a);
    });

    public static byte[] RoleChunk(ChatAnswer a, int choice) => Chunk(a, choice, w =>
    {
        w.WriteString("role", "assistant");
        w.WriteString("content", string.Empty);
        w.WriteNull("refusal");
    }, finishReason: null);

    public static byte[] ContentChunk(ChatAnswer a, int choice, string text) => a.Audio
        ? Chunk(a, choice, w =>
        {
            w.WriteStartObject("audio");
            w.WriteString("id", AudioId(a, choice));
            WriteRawString(w, "transcript", text);
            w.WriteEndObject();
        }, finishReason: null)
        : Chunk(a, choice, w => WriteRawString(w, "content", text), finishReason: null);

    /// <summary>An audio answer's audio bytes, after its transcript.</summary>
    public static byte[] AudioDataChunk(ChatAnswer a, int choice) => Chunk(a, choice, w =>
    {
        w.WriteStartObject("audio");
        w.WriteString("id", AudioId(a, choice));
        w.WriteBase64String("data", FakeAudioBytes);
        w.WriteNumber("expires_at", a.Created + 3600);
        w.WriteEndObject();
    }, finishReason: null);

    public static byte[] FinishChunk(ChatAnswer a, int choice) => Chunk(a, choice, _ => { }, a.Usage.FinishReason);

    /// <summary>The extra chunk of include_usage: no choices, the full usage.</summary>
    public static byte[] UsageChunk(ChatAnswer a) => Render(w =>
    {
        WriteHeader(w, a, "chat.completion.chunk");
        w.WriteStartArray("choices");
        w.WriteEndArray();
        WriteUsage(w, a.Usage);
        WriteFooter(w, a);
    });

    /// <inheritdoc cref="JsonRender.SplitContent(string)"/>
    public static IReadOnlyList<string> SplitContent(string text) => JsonRender.SplitContent(text);

    private static byte[] Chunk(ChatAnswer a, int choice, Action<Utf8JsonWriter> writeDelta, string? finishReason) => Render(w =>
    {
        WriteHeader(w, a, "chat.completion.chunk");
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", choice);
        w.WriteStartObject("delta");
        writeDelta(w);
        w.WriteEndObject();
        w.WriteNull("logprobs");
        w.WriteString("finish_reason", finishReason);
        w.WriteEndObject();
        w.WriteEndArray();
        if (a.IncludeUsage)
        {
            w.WriteNull("usage");
        }

        WriteFooter(w, a);
    });

    private static void WriteHeader(Utf8JsonWriter w, ChatAnswer a, string kind)
    {
        w.WriteStartObject();
        w.WriteString("id", a.Id);
        w.WriteString("object", kind);
        w.WriteNumber("created", a.Created);
        w.WriteString("model", a.Model);
    }

    private static void WriteFooter(Utf8JsonWriter w, ChatAnswer a)
    {
        w.WriteString("service_tier", a.Usage.Tier);
        w.WriteString("system_fingerprint", "fp_fake");
        w.WriteEndObject();
    }

    private static void WriteUsage(Utf8JsonWriter w, ChatUsage u)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", u.PromptTokens);
        w.WriteNumber("completion_tokens", u.CompletionTokens);
        w.WriteNumber("total_tokens", (long)u.PromptTokens + u.CompletionTokens);
        w.WriteStartObject("prompt_tokens_details");
        w.WriteNumber("cached_tokens", u.CachedTokens);
        w.WriteNumber("audio_tokens", 0);
        if (u.ImageTokens > 0)
        {
            w.WriteNumber("image_tokens", u.ImageTokens);
        }

        w.WriteEndObject();
        w.WriteStartObject("completion_tokens_details");
        w.WriteNumber("reasoning_tokens", u.ReasoningTokens);
        w.WriteNumber("audio_tokens", u.AudioCompletionTokens);
        w.WriteNumber("accepted_prediction_tokens", 0);
        w.WriteNumber("rejected_prediction_tokens", u.RejectedPredictionTokens);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>A few bytes standing for the audio (the fake produces no sound).</summary>
    private static ReadOnlySpan<byte> FakeAudioBytes => "RIFF\0\0\0\0WAVE"u8;

    private static string AudioId(ChatAnswer a, int choice) => $"audio_{a.Id}_{choice}";

    private static void WriteRawString(Utf8JsonWriter w, string name, string value) => JsonRender.WriteRawString(w, name, value);

    private static byte[] Render(Action<Utf8JsonWriter> write) => JsonRender.Render(write);
}
