using System.Text.Json.Nodes;
using System.Text.Json;
using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// Asks a streaming request for its usage chunk (<c>stream_options.include_usage: true</c>), without which a
/// stream's cost is unknown. Only callers that did not ask for it themselves pay for the rewrite; the
/// official SDK always asks.
/// </summary>
internal static class StreamUsageInjection
{
    private static ReadOnlySpan<byte> IncludeUsageMember => ""","stream_options":{"include_usage":true}"""u8;

    /// <summary>
    /// Adds <c>include_usage</c> to the body where it lies (a pooled buffer: a body of any size allocates nothing).
    /// When the request has no <c>stream_options</c> (the common case) the member is spliced in before the object's
    /// closing brace, leaving every other byte as it was; otherwise the body is rewritten.
    /// </summary>
    public static void AddIncludeUsage(PooledRequestBody body, OpenAIRequest request)
    {
        if (request.HasStreamOptions)
        {
            body.Reset(AddIncludeUsage(body.Bytes));
            return;
        }

        // The reader proved the body is one object with members and nothing after it but whitespace.
        body.Insert(body.Bytes.AsSpan().LastIndexOf((byte)'}'), IncludeUsageMember);
    }

    /// <summary>The body with <c>include_usage</c> set, rewritten whole.</summary>
    public static byte[] AddIncludeUsage(ReadOnlySpan<byte> body)
    {
        var root = JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { MaxDepth = JsonRequestFields.ReaderOptions.MaxDepth })!.AsObject();
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
