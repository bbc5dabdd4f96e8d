using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Benchmarks.Support;
using BenchmarkDotNet.Attributes;

namespace AgentGuard.Http.Benchmarks;

/// <summary>
/// A streamed call that did not ask for its usage: the guard adds <c>stream_options.include_usage</c> to the body
/// and removes the usage chunk from what the caller reads. (The official SDK always asks, so it never pays this.)
/// </summary>
[BenchmarkCategory("Overhead", "UsageInjection")]
public class UsageInjectionBenchmarks
{
    private static readonly string s_endpoint = Clients.InMemoryEndpoint.OriginalString;

    private readonly byte[] _buffer = new byte[16 * 1024];
    private HttpClient _raw = null!;
    private HttpClient _guarded = null!;
    private byte[] _body = null!;

    [Params(1_000, 100_000)]
    public int PromptTokens { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _body = ChatRequests.Body(PromptTokens, stream: true, includeUsage: false);
        _raw = Clients.Raw(InMemoryOpenAIHandler.EventStream(ChatResponses.Sse(contentEvents: 20)));
        _guarded = Clients.Guarded(InMemoryOpenAIHandler.EventStream(ChatResponses.Sse(contentEvents: 20)));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _raw.Dispose();
        _guarded.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Task<long> Raw() => Calls.StreamAsync(_raw, s_endpoint, _body, _buffer);

    [Benchmark]
    public Task<long> Guarded() => Calls.StreamAsync(_guarded, s_endpoint, _body, _buffer);
}
