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

    /// <summary>The error codes that say the account's own spend limit or quota is reached: retrying does not help.</summary>
    private static readonly string[] SpendLimitCodes =
        ["insufficient_quota", "project_spend_limit_exceeded", "organization_spend_limit_exceeded", "billing_hard_limit_reached"];

    /// <summary>
    /// The spend-limit code of an error body (its <c>error.code</c>, else its <c>error.type</c>) and its message, or
    /// <see langword="null"/> when the body is not an OpenAI error about a spend limit.
    /// </summary>
    public static (string Code, string? Message)? SpendLimit(ReadOnlySpan<byte> body)
    {
        string? code = null, type = null, message = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isError = reader.ValueTextEquals("error"u8);
                reader.Read();
                if (!isError || reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    string name = reader.GetString()!;
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        switch (name)
                        {
                            case "code": code = reader.GetString(); break;
                            case "type": type = reader.GetString(); break;
                            case "message": message = reader.GetString(); break;
                        }
                    }
                    else
                    {
                        reader.Skip();
                    }
                }

                break;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }

        foreach (string known in SpendLimitCodes)
        {
            if (known == code || known == type)
            {
                return (known, message);
            }
        }

        return null;
    }
}
