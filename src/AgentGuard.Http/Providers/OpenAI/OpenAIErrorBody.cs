using System.Text.Json;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// Recognizes OpenAI's error body, <c>{"error": {"message": "...", "type": ..., "code": ...}}</c>: proof that
/// OpenAI itself refused the call (as opposed to a proxy or a gateway, which cannot know whether it was billed).
/// </summary>
internal static class OpenAIErrorBody
{
    public static bool Is(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isError = reader.ValueTextEquals("error"u8);
                reader.Read();
                if (isError && reader.TokenType == JsonTokenType.StartObject)
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        bool isMessage = reader.ValueTextEquals("message"u8);
                        reader.Read();
                        if (isMessage && reader.TokenType == JsonTokenType.String)
                        {
                            return true;
                        }

                        reader.Skip();
                    }

                    return false;
                }

                reader.Skip();
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
