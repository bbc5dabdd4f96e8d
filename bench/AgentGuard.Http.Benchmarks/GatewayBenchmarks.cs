using AgentGuard.FakeOpenAI;
using AgentGuard.Gateway;
using AgentGuard.Http.Benchmarks.Support;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentGuard.Http.Benchmarks;

/// <summary>
/// What the gateway adds to a call (issue 18): the same request straight to the fake OpenAI server on loopback, and
/// through the gateway in front of it (a second Kestrel hop, YARP's forwarder, the guard with the in-memory ledger).
/// </summary>
[BenchmarkCategory("Gateway", "Loopback")]
public class GatewayBenchmarks
{
    private const string Key = "bench-gateway-key-0123456789";

    private readonly byte[] _buffer = new byte[16 * 1024];
    private FakeOpenAIServer _server = null!;
    private WebApplication _gateway = null!;
    private HttpClient _direct = null!;
    private HttpClient _throughGateway = null!;
    private string _directEndpoint = null!;
    private string _gatewayEndpoint = null!;
    private byte[] _body = null!;
    private int _calls;

    [Params(1_000)]
    public int PromptTokens { get; set; }

    [Params(false, true)]
    public bool Stream { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _server = FakeOpenAIServer.StartAsync().GetAwaiter().GetResult();
        _directEndpoint = new Uri(_server.BaseUrl, "chat/completions").AbsoluteUri;
        _gateway = GatewayApp.Create([], builder =>
        {
            builder.Configuration.Sources.Clear();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                // Never refuses: the benchmark measures forwarding, not refusals.
                ["AgentGuard:BudgetUsd"] = "1000000",
                ["Gateway:Routes:openai:Provider"] = "openai",
                ["Gateway:Routes:openai:Upstream"] = _server.Root.AbsoluteUri,
                ["Gateway:Routes:openai:ApiKey"] = "sk-bench",
                ["Gateway:Keys:0:Name"] = "bench",
                ["Gateway:Keys:0:Key"] = Key,
                ["urls"] = "http://127.0.0.1:0",
            });
            builder.Logging.ClearProviders();
        });
        _gateway.StartAsync().GetAwaiter().GetResult();
        var address = _gateway.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        _gatewayEndpoint = $"http://127.0.0.1:{new Uri(address).Port}/openai/v1/chat/completions";
        _body = ChatRequests.Body(PromptTokens, Stream);
        _direct = Clients.Raw(new SocketsHttpHandler());
        _throughGateway = Clients.Raw(new SocketsHttpHandler());
        _throughGateway.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Bearer " + Key);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _direct.Dispose();
        _throughGateway.Dispose();
        _gateway.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true)]
    public Task<long> Direct() => CallAsync(_direct, _directEndpoint);

    [Benchmark]
    public Task<long> ThroughGateway() => CallAsync(_throughGateway, _gatewayEndpoint);

    private async Task<long> CallAsync(HttpClient client, string endpoint)
    {
        // The fake keeps every body it receives for the tests: forget them before they add up.
        if (++_calls % 64 == 0)
        {
            _server.Meter.Reset();
        }

        return Stream
            ? await Calls.StreamAsync(client, endpoint, _body, _buffer)
            : await Calls.CompleteAsync(client, endpoint, _body);
    }
}
