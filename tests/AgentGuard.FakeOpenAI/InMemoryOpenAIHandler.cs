using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace AgentGuard.FakeOpenAI;

/// <summary>
/// The innermost handler of an in-memory run: it answers at once, with a fresh response each call, so that what
/// is measured is the guard (and HttpClient) alone. Like a transport it consumes the request body; an event stream
/// is handed out a few whole events per read (one by default), synchronously, as a network connection flushed per
/// event delivers it, so that everything a read does happens on the caller's thread.
/// </summary>
public sealed class InMemoryOpenAIHandler : HttpMessageHandler
{
    private static readonly MediaTypeHeaderValue s_json = new("application/json");
    private static readonly MediaTypeHeaderValue s_eventStream = new("text/event-stream");

    private readonly byte[] _body;
    private readonly int[]? _eventEnds;
    private readonly int _eventsPerRead;

    private InMemoryOpenAIHandler(byte[] body, int[]? eventEnds, int eventsPerRead)
    {
        _body = body;
        _eventEnds = eventEnds;
        _eventsPerRead = eventsPerRead;
    }

    /// <summary>Answers every call with the JSON <paramref name="body"/>.</summary>
    public static InMemoryOpenAIHandler Json(byte[] body) => new(body, null, 0);

    /// <summary>Answers every call with the event stream <paramref name="sse"/>, <paramref name="eventsPerRead"/> events per read.</summary>
    public static InMemoryOpenAIHandler EventStream(byte[] sse, int eventsPerRead = 1) => new(sse, EventEnds(sse), eventsPerRead);

    /// <inheritdoc cref="EventStream(byte[], int)"/>
    public static InMemoryOpenAIHandler EventStream(string sse, int eventsPerRead = 1) => EventStream(Encoding.UTF8.GetBytes(sse), eventsPerRead);

    /// <summary>The size of every answer body, in bytes.</summary>
    public int ResponseBytes => _body.Length;

    /// <summary>The offsets where each event of <paramref name="sse"/> ends (after its blank line).</summary>
    public static int[] EventEnds(byte[] sse)
    {
        ArgumentNullException.ThrowIfNull(sse);
        var ends = new List<int>();
        for (int i = 1; i < sse.Length; i++)
        {
            if (sse[i] == (byte)'\n' && sse[i - 1] == (byte)'\n')
            {
                ends.Add(i + 1);
            }
        }

        return [.. ends];
    }

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

    private HttpResponseMessage Answer(HttpRequestMessage request)
    {
        HttpContent content = _eventEnds is null
            ? new ByteArrayContent(_body) { Headers = { ContentType = s_json } }
            : new StreamContent(new EventChunkedStream(_body, _eventEnds, _eventsPerRead)) { Headers = { ContentType = s_eventStream } };
        return new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = content };
    }
}

/// <summary>
/// A read-only stream over an event stream's bytes that returns at most <paramref name="eventsPerRead"/> whole events
/// per read, every read completed synchronously.
/// </summary>
public sealed class EventChunkedStream(byte[] body, int[] eventEnds, int eventsPerRead) : Stream
{
    private int _position;
    private int _nextEvent;

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
        if (_position >= body.Length || buffer.IsEmpty)
        {
            return 0;
        }

        int last = Math.Min(_nextEvent + eventsPerRead, eventEnds.Length) - 1;
        int end = last >= _nextEvent ? eventEnds[last] : body.Length;
        int n = Math.Min(end - _position, buffer.Length);
        body.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        while (_nextEvent < eventEnds.Length && eventEnds[_nextEvent] <= _position)
        {
            _nextEvent++;
        }

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
