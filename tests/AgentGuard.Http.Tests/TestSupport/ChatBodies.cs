using System.Text;
using System.Text.Json;

namespace AgentGuard.Http.Tests.TestSupport;

/// <summary>Raw Chat Completions bodies for tests that bypass the SDK.</summary>
internal static class ChatBodies
{
    public static string Simple(string model = "gpt-4o-mini", string content = "Hello", int? maxTokens = null, bool stream = false, bool? includeUsage = null, int? n = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["model"] = model,
            ["messages"] = new[] { new { role = "user", content } },
        };
        if (maxTokens is { } max)
        {
            body["max_tokens"] = max;
        }

        if (n is { } choices)
        {
            body["n"] = choices;
        }

        if (stream)
        {
            body["stream"] = true;
        }

        if (includeUsage is { } include)
        {
            body["stream_options"] = new { include_usage = include };
        }

        return JsonSerializer.Serialize(body);
    }

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
