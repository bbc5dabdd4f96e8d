using System.Net;
using System.Net.Http.Headers;

namespace AgentGuard.Http.Benchmarks.Support;

/// <summary>
/// A primary handler that answers at once: JSON, or an event stream served in reads of at most <c>readSize</c> bytes, as a
/// socket delivers one (each read completes synchronously). The request's content is read to its end, as a socket would.
/// </summary>
public sealed class ByteReadsHandler(byte[] json, byte[]? sse = null, int readSize = 256) : HttpMessageHandler
{
    private static readonly MediaTypeHeaderValue s_json = new("application/json");
    private static readonly MediaTypeHeaderValue s_eventStream = new("text/event-stream");

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Content?.CopyTo(Stream.Null, null, cancellationToken);
        return Answer(request);
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is { } content)
        {
            await content.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
        }

        return Answer(request);
    }

    private HttpResponseMessage Answer(HttpRequestMessage request) => new(HttpStatusCode.OK)
    {
        RequestMessage = request,
        Content = sse is null
            ? new ByteArrayContent(json) { Headers = { ContentType = s_json } }
            : new StreamContent(new FixedReadsStream(sse, readSize)) { Headers = { ContentType = s_eventStream } },
    };
}

/// <summary>A read-only stream that returns at most a fixed number of bytes per read, synchronously.</summary>
public sealed class FixedReadsStream(byte[] body, int readSize) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => body.Length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = Math.Min(Math.Min(readSize, buffer.Length), body.Length - _position);
        body.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
