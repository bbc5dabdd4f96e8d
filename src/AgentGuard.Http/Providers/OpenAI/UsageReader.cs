using System.Text.Json;
using System.Text;
using AgentGuard.Http.Settlement;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// Reads <c>usage</c> and <c>service_tier</c> from a chat completion (a JSON body or one SSE chunk), or from a Responses
/// response (a JSON body, or the response a stream's terminal event carries).
/// Reasoning tokens are a part of <c>completion_tokens</c> (<c>output_tokens</c>) and rejected prediction tokens too, so
/// they are all billed as output; cached tokens are a part of <c>prompt_tokens</c> (<c>input_tokens</c>). Audio tokens
/// (<c>prompt_tokens_details.audio_tokens</c>, <c>completion_tokens_details.audio_tokens</c>) are a part of them too, billed
/// at the audio prices.
/// </summary>
internal static class UsageReader
{
    /// <summary>Reads a chat completion object. <see langword="false"/> when it is not JSON or carries no usage.</summary>
    /// <param name="json">The object's UTF-8 JSON.</param>
    /// <param name="usage">The usage found.</param>
    /// <param name="hasNoChoices">Whether <c>choices</c> is an empty array: the usage-only chunk that ends a stream.</param>
    public static bool TryRead(ReadOnlySpan<byte> json, out TokenUsage usage, out bool hasNoChoices)
    {
        usage = default;
        hasNoChoices = false;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            bool found = false;
            long prompt = 0, cached = 0, completion = 0, audioPrompt = 0, audioCompletion = 0;
            string? tier = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        found = true;
                        ReadUsage(ref reader, ref prompt, ref cached, ref completion, ref audioPrompt, ref audioCompletion);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("service_tier"u8))
                {
                    reader.Read();
                    tier = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("choices"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        reader.Read();
                        hasNoChoices = reader.TokenType == JsonTokenType.EndArray;
                        if (!hasNoChoices)
                        {
                            reader.Skip();
                            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                            {
                                reader.Skip();
                            }
                        }
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            usage = Usage(prompt, cached, completion, tier, audioPrompt, audioCompletion);
            return found;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Reads a Responses response object (<c>"object": "response"</c>). <see langword="false"/> when it is not JSON.</summary>
    public static bool TryReadResponse(ReadOnlySpan<byte> json, out ResponseObject response)
    {
        response = default;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            response = ReadResponse(ref reader);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads one event of a Responses stream. <see langword="true"/> for a terminal event (<c>response.completed</c>,
    /// <c>response.incomplete</c>, <c>response.failed</c>) whose response carries its usage: the last word on the bill.
    /// </summary>
    public static bool TryReadTerminalEvent(ReadOnlySpan<byte> json, out TokenUsage usage)
    {
        usage = default;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            bool terminal = false;
            ResponseObject response = default;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    terminal = reader.TokenType == JsonTokenType.String
                        && (reader.ValueTextEquals("response.completed"u8) || reader.ValueTextEquals("response.incomplete"u8) || reader.ValueTextEquals("response.failed"u8));
                }
                else if (reader.ValueTextEquals("response"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        response = ReadResponse(ref reader);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (!terminal || response.Usage is not { } found)
            {
                return false;
            }

            usage = found;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Reads a response object's id, status, tier, usage and hosted tool calls, the reader on its start.</summary>
    private static ResponseObject ReadResponse(ref Utf8JsonReader reader)
    {
        bool found = false;
        long input = 0, cached = 0, output = 0, audioInput = 0, audioOutput = 0;
        string? id = null, status = null, tier = null;
        Dictionary<string, int>? toolCalls = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    found = true;
                    ReadUsage(ref reader, ref input, ref cached, ref output, ref audioInput, ref audioOutput);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                id = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("status"u8))
            {
                status = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("service_tier"u8))
            {
                tier = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("output"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    CountHostedToolCalls(ref reader, ref toolCalls);
                }
                else
                {
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        TokenUsage? usage = found ? Usage(input, cached, output, tier, audioInput, audioOutput) with { ResponseId = id, HostedToolCalls = toolCalls } : null;
        return new ResponseObject(id, status, usage);
    }

    /// <summary>Counts the output items that are hosted tool calls, by the tool whose fee they bill.</summary>
    private static void CountHostedToolCalls(ref Utf8JsonReader reader, ref Dictionary<string, int>? calls)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isType = reader.ValueTextEquals("type"u8);
                reader.Read();
                if (isType && reader.TokenType == JsonTokenType.String
                    && HostedTools.ToolOfCallItem(reader.ValueIsEscaped ? Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan) is { } tool)
                {
                    calls ??= new Dictionary<string, int>(StringComparer.Ordinal);
                    calls[tool] = calls.GetValueOrDefault(tool) + 1;
                }

                reader.Skip();
            }
        }
    }

    // Cached and audio tokens are parts of the input (audio output of the output): never more of them than the whole has.
    private static TokenUsage Usage(long input, long cached, long output, string? tier, long audioInput, long audioOutput) =>
        new(input, Math.Clamp(cached, 0, input), output, tier)
        {
            AudioPromptTokens = Math.Clamp(audioInput, 0, input),
            AudioCompletionTokens = Math.Clamp(audioOutput, 0, output),
        };

    /// <summary>Reads chat's (<c>prompt_tokens</c>, ...) or the Responses API's (<c>input_tokens</c>, ...) usage object.</summary>
    private static void ReadUsage(ref Utf8JsonReader reader, ref long prompt, ref long cached, ref long completion, ref long audioPrompt, ref long audioCompletion)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8) || reader.ValueTextEquals("input_tokens"u8))
            {
                prompt = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8) || reader.ValueTextEquals("output_tokens"u8))
            {
                completion = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8) || reader.ValueTextEquals("input_tokens_details"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("cached_tokens"u8))
                    {
                        cached = ReadCount(ref reader);
                    }
                    else if (reader.ValueTextEquals("audio_tokens"u8))
                    {
                        audioPrompt = ReadCount(ref reader);
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            else if (reader.ValueTextEquals("completion_tokens_details"u8) || reader.ValueTextEquals("output_tokens_details"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("audio_tokens"u8))
                    {
                        audioCompletion = ReadCount(ref reader);
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    private static long ReadCount(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long value) && value > 0 ? value : 0;
    }
}

/// <summary>What a Responses response object says of itself: its id, its status, and its usage when it has one.</summary>
internal readonly record struct ResponseObject(string? Id, string? Status, TokenUsage? Usage)
{
    /// <summary>Whether the response is still running (a background response): its usage comes later.</summary>
    public bool IsPending => Status is "queued" or "in_progress";

    /// <summary>Whether the response has ended, billed or not.</summary>
    public bool IsTerminal => Status is "completed" or "incomplete" or "failed" or "cancelled";
}
