using System.Text.Json;

namespace AgentGuard.Http.Requests;

/// <summary>
/// Reads the scalar members of a JSON request body (every operation's reader) with
/// <see cref="Utf8JsonReader"/>, positioned on the member's name; a value of the wrong type makes the body unreadable,
/// with a message that names the API (<c>Chat Completions</c>) and the member.
/// </summary>
internal static class JsonRequestFields
{
    /// <summary>Deep enough for any request, far below what would exhaust the stack; every pass over a body uses it.</summary>
    public static JsonReaderOptions ReaderOptions { get; } = new() { MaxDepth = 256 };

    /// <summary>Reads a body with an operation's reader, positioned before the body's first token.</summary>
    public delegate T BodyReader<T>(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, bool modelInPath);

    /// <summary>Runs an operation's reader over a body: JSON that does not parse makes the body unreadable, with the parser's reason.</summary>
    public static T ReadBody<T>(ReadOnlySpan<byte> body, bool modelInPath, string api, BodyReader<T> read)
    {
        var reader = new Utf8JsonReader(body, ReaderOptions);
        try
        {
            return read(ref reader, body, modelInPath);
        }
        catch (JsonException ex)
        {
            throw Malformed(api, $"the body is not valid JSON ({ex.Message})", ex);
        }
    }

    public static string? ReadString(ref Utf8JsonReader reader, string api, string name)
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Null => null,
            _ => throw Malformed(api, $"\"{name}\" must be a string"),
        };
    }

    public static bool? ReadBool(ref Utf8JsonReader reader, string api, string name)
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            JsonTokenType.Null => null,
            _ => throw Malformed(api, $"\"{name}\" must be true or false"),
        };
    }

    /// <summary>A whole number of at least <paramref name="min"/>, or <see langword="null"/> for <c>null</c>.</summary>
    public static int? ReadCount(ref Utf8JsonReader reader, string api, string name, int min = 0)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int value) || value < min)
        {
            throw Malformed(api, $"\"{name}\" must be a whole number of at least {min}");
        }

        return value;
    }

    /// <summary><c>stream_options.include_usage</c>, <see langword="null"/> when absent (or <c>stream_options</c> is <c>null</c>).</summary>
    public static bool? ReadIncludeUsage(ref Utf8JsonReader reader, string api)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Malformed(api, "\"stream_options\" must be an object");
        }

        bool? includeUsage = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("include_usage"u8))
            {
                includeUsage = ReadBool(ref reader, api, "stream_options.include_usage");
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return includeUsage;
    }

    /// <summary>Skips the value of the member the reader is on.</summary>
    public static void SkipValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    /// <summary>Reads the start of a body, which must be a JSON object.</summary>
    public static void BeginObject(ref Utf8JsonReader reader, string api)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw Malformed(api, "the body is not a JSON object");
        }
    }

    /// <summary>After the members: anything after the object, or a truncated object, makes the body unreadable.</summary>
    public static void EndObject(ref Utf8JsonReader reader, string api)
    {
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            throw Malformed(api, "the body is not a single JSON object");
        }
    }

    public static UnboundedRequestException Malformed(string api, string reason, Exception? inner = null) =>
        new(UnboundedRequestReason.MalformedBody, $"The {api} request cannot be read: {reason}.", inner);

    public static UnboundedRequestException Unbounded(string api, string reason) =>
        new(UnboundedRequestReason.UnsupportedContent, $"The {api} request cannot be bounded: {reason}.");
}
