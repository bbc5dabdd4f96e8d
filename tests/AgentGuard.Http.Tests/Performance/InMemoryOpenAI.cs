using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace AgentGuard.Http.Tests.Performance;

/// <summary>
/// An inner handler that answers at once with a canned event stream handed out one event per read, synchronously,
/// so that everything a read does happens on the caller's thread (where allocations can be counted exactly).
/// </summary>
internal sealed class InMemoryOpenAI(string sse) : HttpMessageHandler
{
    public const string Model = "gpt-4o-mini";

    /// <summary>A stream as OpenAI sends it: a role chunk, content chunks, the usage chunk, [DONE].</summary>
    public static string EventStream(int contentEvents, string? usageChunk = null)
    {
        const string Head = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",";
        var text = new StringBuilder();
        text.Append(Head).Append("\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\n");
        for (int i = 0; i < contentEvents; i++)
        {
            text.Append(Head).Append("\"choices\":[{\"index\":0,\"delta\":{\"content\":\" word\"},\"finish_reason\":null}],\"usage\":null}\n\n");
        }

        text.Append(usageChunk ?? Head + "\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":" + contentEvents + ",\"total_tokens\":" + (10 + contentEvents) + "}}\n\n");
        return text.Append("data: [DONE]\n\n").ToString();
    }

    public static string StreamingBody(bool includeUsage = true) =>
        "{\"model\":\"" + Model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":100,\"stream\":true"
        + (includeUsage ? ",\"stream_options\":{\"include_usage\":true}" : string.Empty) + "}";

    /// <summary>A guarded invoker over this handler, and its budget.</summary>
    public static (HttpMessageInvoker Invoker, BudgetedSession Session) Guarded(string sse)
    {
        var options = new AgentGuardOptions { BudgetUsd = 1_000m, BudgetName = "performance" };
        var session = BudgetedSession.Create(options);
        return (new HttpMessageInvoker(new BudgetGuardHandler(session, options) { InnerHandler = new InMemoryOpenAI(sse) }), session);
    }

    public static HttpRequestMessage Request(string body) => new(HttpMethod.Post, "https://api.openai.com/v1/chat/completions")
    {
        Content = new StringContent(body, Encoding.UTF8, "application/json"),
    };

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) => Answer();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromResult(Answer());

    private HttpResponseMessage Answer() => new(HttpStatusCode.OK)
    {
        Content = new StreamContent(new OneEventPerRead(Encoding.UTF8.GetBytes(sse))) { Headers = { ContentType = new MediaTypeHeaderValue("text/event-stream") } },
    };

    /// <summary>Returns one event (up to its blank line) per read, synchronously.</summary>
    private sealed class OneEventPerRead(byte[] bytes) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var rest = bytes.AsSpan(_position);
            int end = rest.IndexOf("\n\n"u8);
            int n = Math.Min(buffer.Length, end < 0 ? rest.Length : end + 2);
            rest[..n].CopyTo(buffer);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
