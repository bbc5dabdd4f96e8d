using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace AgentGuard.Http.Tests.Responses;

/// <summary>
/// Reading a Responses stream through the guard allocates nothing per event, like a chat stream (see
/// Performance/StreamAllocationTests): what 10,000 text deltas allocate is what 100 allocate; only the terminal
/// event, which carries the usage, is parsed.
/// </summary>
public sealed class ResponsesStreamAllocationTests
{
    private const int ShortStream = 100;
    private const int LongStream = 10_000;
    private const long Tolerance = 256;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReadingAsync_LongResponsesStream_AllocatesNoMoreThanAShortOne()
    {
        long shortStream = long.MaxValue, longStream = long.MaxValue;
        for (int run = 0; run < 3; run++)
        {
            shortStream = Math.Min(shortStream, await AllocatedWhileReadingAsync(ShortStream));
            longStream = Math.Min(longStream, await AllocatedWhileReadingAsync(LongStream));
        }

        Assert.True(longStream - shortStream < Tolerance, $"{ShortStream} events allocated {shortStream} B, {LongStream} events {longStream} B");
    }

    private static async Task<long> AllocatedWhileReadingAsync(int deltas)
    {
        var options = new AgentGuardOptions { BudgetUsd = 1_000m, BudgetName = "performance" };
        var session = BudgetedSession.Create(options);
        using var invoker = new HttpMessageInvoker(new BudgetGuardHandler(session, options) { InnerHandler = new CannedStream(EventStream(deltas)) });
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/responses")
        {
            Content = new StringContent("""{"model":"gpt-4o-mini","input":"Hello","max_output_tokens":100,"stream":true}""", Encoding.UTF8, "application/json"),
        };
        using var response = await invoker.SendAsync(request, Ct);
        await using var stream = await response.Content.ReadAsStreamAsync(Ct);
        var buffer = new byte[4096];

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var read = stream.ReadAsync(buffer, Ct);
        while (true)
        {
            // Every read completes at once here, so the whole loop runs on this thread.
            Assert.True(read.IsCompleted);
            if (await read == 0)
            {
                break;
            }

            read = stream.ReadAsync(buffer, Ct);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0m, session.GetReserved());

        // gpt-4o-mini: 10 x 0.15 + 57 x 0.6 = 35.7, rounded up to 36 micro-dollars.
        Assert.Equal(0.000036m, session.GetTotalSpent());
        return allocated;
    }

    /// <summary>created, in_progress, text deltas, then response.completed with the usage (10 input, 57 output tokens).</summary>
    private static string EventStream(int deltas)
    {
        const string Response = "{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"in_progress\",\"model\":\"gpt-4o-mini\",\"output\":[],\"usage\":null}";
        var text = new StringBuilder();
        text.Append("event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":").Append(Response).Append("}\n\n");
        text.Append("event: response.in_progress\ndata: {\"type\":\"response.in_progress\",\"sequence_number\":1,\"response\":").Append(Response).Append("}\n\n");
        for (int i = 0; i < deltas; i++)
        {
            text.Append("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":2,\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\" word\",\"logprobs\":[]}\n\n");
        }

        text.Append("event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":3,\"response\":")
            .Append("{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"completed\",\"model\":\"gpt-4o-mini\",\"output\":[{\"type\":\"message\",\"id\":\"msg_1\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"words\",\"annotations\":[]}]}],")
            .Append("\"usage\":{\"input_tokens\":10,\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":57,\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":67}}}\n\n");
        return text.ToString();
    }

    /// <summary>Answers at once with a canned event stream handed out one event per read, synchronously.</summary>
    private sealed class CannedStream(string sse) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StreamContent(new OneEventPerRead(Encoding.UTF8.GetBytes(sse))) { Headers = { ContentType = new MediaTypeHeaderValue("text/event-stream") } },
            });
    }

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

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
