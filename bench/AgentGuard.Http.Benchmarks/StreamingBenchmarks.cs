using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Benchmarks.Support;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace AgentGuard.Http.Benchmarks;

/// <summary>
/// Streams through the guard against raw: bytes per second of a long answer (2,000 content events, about 570 KB)
/// read to its end, and the time to the first bytes of a streamed answer. In memory the transport hands out a few
/// events per read; on loopback a server flushes after every event, as OpenAI does per token.
/// </summary>
[BenchmarkCategory("Streaming")]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
public class StreamingBenchmarks
{
    public const int LongStreamEvents = 2_000;
    public const int ShortStreamEvents = 20;

    private readonly byte[] _buffer = new byte[16 * 1024];
    private byte[] _body = null!;
    private CannedSseServer? _server;
    private HttpClient _raw = null!;
    private HttpClient _guarded = null!;
    private HttpClient _rawShort = null!;
    private HttpClient _guardedShort = null!;
    private string _longEndpoint = null!;
    private string _shortEndpoint = null!;

    static StreamingBenchmarks() => Throughputs.Declare<StreamingBenchmarks>(c =>
        c.Descriptor.WorkloadMethod.Name.EndsWith("Stream", StringComparison.Ordinal)
            ? (ChatResponses.Sse(LongStreamEvents).Length / 1e6, "MB")
            : null);

    [ParamsAllValues]
    public StreamTransport Transport { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _body = ChatRequests.Body(1_000, stream: true);
        if (Transport == StreamTransport.Loopback)
        {
            _server = CannedSseServer.StartAsync(LongStreamEvents, ShortStreamEvents).GetAwaiter().GetResult();
            _longEndpoint = _server.EndpointFor(LongStreamEvents);
            _shortEndpoint = _server.EndpointFor(ShortStreamEvents);
            _raw = _rawShort = Clients.Raw(new SocketsHttpHandler());
            _guarded = _guardedShort = Clients.Guarded(new SocketsHttpHandler());
        }
        else
        {
            _longEndpoint = _shortEndpoint = Clients.InMemoryEndpoint.OriginalString;
            int eventsPerRead = Transport == StreamTransport.InMemory1 ? 1 : 16;
            _raw = Clients.Raw(InMemoryOpenAIHandler.EventStream(ChatResponses.Sse(LongStreamEvents), eventsPerRead));
            _guarded = Clients.Guarded(InMemoryOpenAIHandler.EventStream(ChatResponses.Sse(LongStreamEvents), eventsPerRead));
            _rawShort = Clients.Raw(InMemoryOpenAIHandler.EventStream(ChatResponses.Sse(ShortStreamEvents), eventsPerRead));
            _guardedShort = Clients.Guarded(InMemoryOpenAIHandler.EventStream(ChatResponses.Sse(ShortStreamEvents), eventsPerRead));
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var client in new[] { _raw, _guarded, _rawShort, _guardedShort }.Distinct())
        {
            client.Dispose();
        }

        _server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Throughput")]
    public Task<long> RawStream() => Calls.StreamAsync(_raw, _longEndpoint, _body, _buffer);

    [Benchmark, BenchmarkCategory("Throughput")]
    public Task<long> GuardedStream() => Calls.StreamAsync(_guarded, _longEndpoint, _body, _buffer);

    [Benchmark(Baseline = true), BenchmarkCategory("FirstByte")]
    public Task<int> RawFirstByte() => Calls.FirstByteAsync(_rawShort, _shortEndpoint, _body, _buffer);

    [Benchmark, BenchmarkCategory("FirstByte")]
    public Task<int> GuardedFirstByte() => Calls.FirstByteAsync(_guardedShort, _shortEndpoint, _body, _buffer);
}

/// <summary>How the answer's bytes reach the client.</summary>
public enum StreamTransport
{
    /// <summary>In memory, one event per read (a connection flushed per token, read as it arrives).</summary>
    InMemory1,

    /// <summary>In memory, 16 events per read (a client that falls behind reads what has piled up).</summary>
    InMemory16,

    /// <summary>A loopback socket to a Kestrel server that flushes after every event.</summary>
    Loopback,
}
