using System.Text.Json;

namespace AgentGuard.Http.Pricing;

/// <summary>JSON values named as a person would name them in an error message ("a number", never a .NET type).</summary>
internal static class JsonKinds
{
    public static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.True or JsonValueKind.False => "true or false",
        _ => "null",
    };
}
