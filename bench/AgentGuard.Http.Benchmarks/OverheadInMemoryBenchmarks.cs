using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Benchmarks.Support;
using BenchmarkDotNet.Attributes;

namespace AgentGuard.Http.Benchmarks;

/// <summary>
/// The guard's own cost per call: the same chat call through a raw HttpClient and through the guarded one, against an
/// inner handler that answers at once (no network, no server), so the difference is the guard alone.
/// </summary>
[BenchmarkCategory("Overhead", "InMemory")]
public class OverheadInMemoryBenchmarks
{
    private static readonly string s_endpoint = Clients.InMemoryEndpoint.OriginalString;

    private readonly byte[] _buffer = new byte[16 * 1024];
    private HttpClient _raw = null!;
    private HttpClient _guarded = null!;
    private byte[] _body = null!;

    [Params(100, 1_000, 10_000, 100_000)]
    public int PromptTokens { get; set; }

    [Params(false, true)]
    public bool Stream { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _body = ChatRequests.Body(PromptTokens, Stream);
        _raw = Clients.Raw(NewInner());
        _guarded = Clients.Guarded(NewInner());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _raw.Dispose();
        _guarded.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Task<long> Raw() => CallAsync(_raw);

    [Benchmark]
    public Task<long> Guarded() => CallAsync(_guarded);

    private InMemoryOpenAIHandler NewInner() => Stream ? InMemoryOpenAIHandler.EventStream(ChatResponses.Sse(contentEvents: 20)) : InMemoryOpenAIHandler.Json(ChatResponses.Json);

    private async Task<long> CallAsync(HttpClient client) => Stream
        ? await Calls.StreamAsync(client, s_endpoint, _body, _buffer)
        : await Calls.CompleteAsync(client, s_endpoint, _body);
}
