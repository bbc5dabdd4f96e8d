using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Benchmarks.Support;
using BenchmarkDotNet.Attributes;

namespace AgentGuard.Http.Benchmarks;

/// <summary>
/// Calls per second through one guarded client (one budget, one ledger) with 1, 8 and 64 callers at once, against raw:
/// 1,000-token non-streamed calls. Each operation is one call; an invocation runs <see cref="CallsPerInvocation"/> of them.
/// </summary>
[BenchmarkCategory("Concurrency")]
public class ConcurrencyBenchmarks
{
    public const int CallsPerInvocation = 512;

    private FakeOpenAIServer? _server;
    private HttpClient _raw = null!;
    private HttpClient _guarded = null!;
    private string _endpoint = null!;
    private byte[] _body = null!;

    static ConcurrencyBenchmarks() => Throughputs.Declare<ConcurrencyBenchmarks>(_ => (1, "calls"));

    [Params(1, 8, 64)]
    public int Callers { get; set; }

    [Params("InMemory", "Loopback")]
    public string Transport { get; set; } = "InMemory";

    [GlobalSetup]
    public void Setup()
    {
        _body = ChatRequests.Body(1_000, stream: false);
        if (Transport == "Loopback")
        {
            _server = FakeOpenAIServer.StartAsync().GetAwaiter().GetResult();
            _endpoint = new Uri(_server.BaseUrl, "chat/completions").AbsoluteUri;
            _raw = Clients.Raw(new SocketsHttpHandler());
            _guarded = Clients.Guarded(new SocketsHttpHandler());
        }
        else
        {
            _endpoint = Clients.InMemoryEndpoint.OriginalString;
            _raw = Clients.Raw(InMemoryOpenAIHandler.Json(ChatResponses.Json));
            _guarded = Clients.Guarded(InMemoryOpenAIHandler.Json(ChatResponses.Json));
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _raw.Dispose();
        _guarded.Dispose();
        _server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = CallsPerInvocation)]
    public Task Raw() => RunAsync(_raw);

    [Benchmark(OperationsPerInvoke = CallsPerInvocation)]
    public Task Guarded() => RunAsync(_guarded);

    private async Task RunAsync(HttpClient client)
    {
        _server?.Meter.Reset();
        int perCaller = CallsPerInvocation / Callers;
        var callers = new Task[Callers];
        for (int i = 0; i < callers.Length; i++)
        {
            callers[i] = Task.Run(async () =>
            {
                for (int call = 0; call < perCaller; call++)
                {
                    await Calls.CompleteAsync(client, _endpoint, _body);
                }
            });
        }

        await Task.WhenAll(callers);
    }
}
