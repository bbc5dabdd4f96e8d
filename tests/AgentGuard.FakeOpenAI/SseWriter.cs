using System.Diagnostics.CodeAnalysis;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace AgentGuard.FakeOpenAI;

/// <summary>Writes <c>data: ...\n\n</c> events (optionally named by an <c>event:</c> line), flushing after each event, or after each piece of
/// 1 to 7 bytes when split (deterministic from the seed), so lines and UTF-8 characters break anywhere.</summary>
internal sealed class SseWriter(HttpResponse response, Random? splitter, bool garble)
{
    public const int MaxPiece = 7;

    private static readonly byte[] Prefix = "data: "u8.ToArray();
    private static readonly byte[] EventPrefix = "event: "u8.ToArray();
    private static readonly byte[] Suffix = "\n\n"u8.ToArray();
    private static readonly byte[] Done = Encoding.UTF8.GetBytes("[DONE]");

    // Lines a robust reader must skip: broken JSON (one that looks like usage), a comment, an unknown field.
    private static readonly byte[] Garbage = Encoding.UTF8.GetBytes(
        "data: {\"usage\":{\"prompt_tokens\":1,\n\n: a comment\nevent: ping\ndata: {not json at all\n\nretry: 10\n\n");

    public static SseWriter Start(HttpResponse response, FakeBehavior behavior)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        return new SseWriter(response, behavior.SplitSse ? new Random(behavior.SplitSeed) : null, behavior.GarbleSse);
    }

    public Task WriteEventAsync(byte[] json, CancellationToken ct) =>
        WriteAsync(garble ? [.. Garbage, .. Prefix, .. json, .. Suffix] : [.. Prefix, .. json, .. Suffix], ct);

    public Task WriteDoneAsync(CancellationToken ct) => WriteEventAsync(Done, ct);

    /// <summary>An <c>event: name\ndata: json\n\n</c> event (the Responses API's framing).</summary>
    public Task WriteEventAsync(string name, byte[] json, CancellationToken ct)
    {
        byte[] head = [.. EventPrefix, .. Encoding.UTF8.GetBytes(name), (byte)'\n', .. Prefix];
        return WriteAsync(garble ? [.. Garbage, .. head, .. json, .. Suffix] : [.. head, .. json, .. Suffix], ct);
    }

    [SuppressMessage("Security", "CA5394:Do not use insecure randomness", Justification = "Reproducible splitting, not security.")]
    private async Task WriteAsync(byte[] bytes, CancellationToken ct)
    {
        if (splitter is null)
        {
            await response.Body.WriteAsync(bytes, ct).ConfigureAwait(false);
            await response.Body.FlushAsync(ct).ConfigureAwait(false);
            return;
        }

        for (var offset = 0; offset < bytes.Length;)
        {
            var length = Math.Min(splitter.Next(1, MaxPiece + 1), bytes.Length - offset);
            await response.Body.WriteAsync(bytes.AsMemory(offset, length), ct).ConfigureAwait(false);
            await response.Body.FlushAsync(ct).ConfigureAwait(false);
            offset += length;
        }
    }
}
