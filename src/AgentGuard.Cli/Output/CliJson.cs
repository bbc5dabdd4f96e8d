using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentGuard.Cli.Output;

/// <summary>The JSON that <c>--json</c> writes: camelCase, enums by name, money both as exact micro-dollars and as USD.</summary>
internal static class CliJson
{
    private static readonly JsonSerializerOptions s_indented = Create(indented: true);
    private static readonly JsonSerializerOptions s_compact = Create(indented: false);

    public static void Write<T>(T value, bool indented = true)
    {
        Console.Out.WriteLine(JsonSerializer.Serialize(value, indented ? s_indented : s_compact));
        Console.Out.Flush();
    }

    private static JsonSerializerOptions Create(bool indented) => new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = indented,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        // Model and pool names are shown as they are, not \u-escaped; the output is not embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
