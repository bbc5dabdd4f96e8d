using System.Net;
using System.Text;
using System.Text.Json;

namespace AgentGuard.Http.Tests.FakeOpenAI;

/// <summary>Raw HTTP helpers for the fake's endpoint tests.</summary>
internal static class FakeApi
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>POSTs a JSON body with optional extra headers (x-fake-output, x-fake-failure, ...).</summary>
    public static async Task<HttpResponseMessage> PostAsync(
        HttpClient http, Uri url, string body, IReadOnlyDictionary<string, string>? headers = null,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.Add(name, value);
        }

        return await http.SendAsync(request, completion, Ct);
    }

    /// <summary>POSTs and parses the JSON answer, whatever its status.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Json)> PostJsonAsync(
        HttpClient http, Uri url, string body, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var response = await PostAsync(http, url, body, headers);
        var text = await response.Content.ReadAsStringAsync(Ct);
        using var doc = JsonDocument.Parse(text);
        return (response.StatusCode, doc.RootElement.Clone());
    }

    public static async Task<(HttpStatusCode Status, JsonElement Json)> GetJsonAsync(HttpClient http, Uri url)
    {
        using var response = await http.GetAsync(url, Ct);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return (response.StatusCode, doc.RootElement.Clone());
    }

    /// <summary>The events of an SSE body: the <c>event:</c> name (null when absent) and the data.</summary>
    public static List<(string? Event, string Data)> ParseSse(string text) =>
    [
        .. text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(block =>
        {
            string? name = null;
            var data = new StringBuilder();
            foreach (var line in block.Split('\n'))
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    name = line["event: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data.Append(line["data: ".Length..]);
                }
            }

            return (name, data.ToString());
        }),
    ];

    public static Dictionary<string, string> Output(string mode) => new() { ["x-fake-output"] = mode };

    public static Dictionary<string, string> Failure(string failure) => new() { ["x-fake-failure"] = failure };
}
