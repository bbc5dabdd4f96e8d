using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AgentGuard.FakeOpenAI;

/// <summary>Renders JSON with a writer; content strings go out as raw UTF-8 (not \u escapes), so split
/// SSE output really cuts multi-byte characters.</summary>
internal static class JsonRender
{
    public static byte[] Render(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static void WriteRawString(Utf8JsonWriter w, string name, string value)
    {
        w.WritePropertyName(name);
        w.WriteRawValue(Literal(value));
    }

    /// <summary>Copies a request's JSON value as is.</summary>
    public static void WriteRaw(Utf8JsonWriter w, string name, JsonElement? value)
    {
        w.WritePropertyName(name);
        if (value is { } v)
        {
            v.WriteTo(w);
        }
        else
        {
            w.WriteNullValue();
        }
    }

    /// <summary>A JSON string literal escaping only what JSON requires.</summary>
    public static string Literal(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => sb.Append("\\\""),
                '\\' => sb.Append("\\\\"),
                '\n' => sb.Append("\\n"),
                '\r' => sb.Append("\\r"),
                '\t' => sb.Append("\\t"),
                < ' ' => sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => sb.Append(c),
            };
        }

        return sb.Append('"').ToString();
    }

    /// <summary>Splits text into 1 to 5 pieces on text-element boundaries.</summary>
    public static IReadOnlyList<string> SplitContent(string text)
    {
        var elements = new List<string>();
        var enumerator = StringInfo.GetTextElementEnumerator(text);
        while (enumerator.MoveNext())
        {
            elements.Add(enumerator.GetTextElement());
        }

        var count = Math.Clamp(elements.Count, 1, 5);
        var pieces = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var start = elements.Count * i / count;
            var end = elements.Count * (i + 1) / count;
            pieces.Add(string.Concat(elements.Skip(start).Take(end - start)));
        }

        return pieces;
    }
}
