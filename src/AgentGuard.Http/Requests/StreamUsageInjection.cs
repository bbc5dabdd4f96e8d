using System.Text.Json.Nodes;

namespace AgentGuard.Http.Requests;

/// <summary>
/// Asks a streaming request for its usage chunk (<c>stream_options.include_usage: true</c>), without which a
/// stream's cost is unknown. Only callers that did not ask for it themselves pay for the rewrite; the
/// official SDK always asks.
/// </summary>
internal static class StreamUsageInjection
{
    public static byte[] AddIncludeUsage(byte[] body)
    {
        var root = JsonNode.Parse(body)!.AsObject();
        if (root["stream_options"] is JsonObject options)
        {
            options["include_usage"] = true;
        }
        else
        {
            root["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        return System.Text.Encoding.UTF8.GetBytes(root.ToJsonString());
    }
}
