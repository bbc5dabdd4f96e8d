using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Benchmarks.Support;
using BenchmarkDotNet.Attributes;

namespace AgentGuard.Http.Benchmarks;

/// <summary>
/// The same calls as <see cref="OverheadInMemoryBenchmarks"/> against the fake OpenAI server on loopback (a real
/// socket, Kestrel, and a server that counts every prompt's tokens to bill it): what a user sees next to a local gateway.
/// </summary>
[BenchmarkCategory("Overhead", "Loopback")]
public class OverheadLoopbackBenchmarks
{
    private readonly byte[] _buffer = new byte[16 * 1024];
    private FakeOpenAIServer _server = null!;
    private HttpClient _raw = null!;
    private HttpClient _guarded = null!;
    private string _endpoint = null!;
    private byte[] _body = null!;
    private int _calls;

    [Params(100, 1_000, 10_000, 100_000)]
    public int PromptTokens { get; set; }

    [Params(false, true)]
    public bool Stream { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _server = FakeOpenAIServer.StartAsync().GetAwaiter().GetResult();
        _endpoint = new Uri(_server.BaseUrl, "chat/completions").AbsoluteUri;
        _body = ChatRequests.Body(PromptTokens, Stream);
        _raw = Clients.Raw(new SocketsHttpHandler());
        _guarded = Clients.Guarded(new SocketsHttpHandler());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _raw.Dispose();
        _guarded.Dispose();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true)]
    public Task<long> Raw() => CallAsync(_raw);

    [Benchmark]
    public Task<long> Guarded() => CallAsync(_guarded);

    private async Task<long> CallAsync(HttpClient client)
    {
        // The fake keeps every body it receives for the tests: forget them before they add up.
        if (++_calls % 64 == 0)
        {
            _server.Meter.Reset();
        }

        return Stream
            ? await Calls.StreamAsync(client, _endpoint, _body, _buffer)
            : await Calls.CompleteAsync(client, _endpoint, _body);
    }
}
