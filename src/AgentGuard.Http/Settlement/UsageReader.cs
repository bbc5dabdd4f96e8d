using System.Text.Json;

namespace AgentGuard.Http.Settlement;

/// <summary>
/// Reads <c>usage</c> and <c>service_tier</c> from a chat completion (a JSON body or one SSE chunk).
/// Reasoning tokens are a part of <c>completion_tokens</c> and rejected prediction tokens too, so
/// completion tokens are all billed as output; cached tokens are a part of <c>prompt_tokens</c>.
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
            long prompt = 0, cached = 0, completion = 0;
            string? tier = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        found = true;
                        ReadUsage(ref reader, ref prompt, ref cached, ref completion);
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

            // Cached tokens are a part of the prompt: never more of them than the prompt has.
            usage = new TokenUsage(prompt, Math.Clamp(cached, 0, prompt), completion, tier);
            return found;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void ReadUsage(ref Utf8JsonReader reader, ref long prompt, ref long cached, ref long completion)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                prompt = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                completion = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8))
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

    private static long ReadCount(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long value) && value > 0 ? value : 0;
    }
}
