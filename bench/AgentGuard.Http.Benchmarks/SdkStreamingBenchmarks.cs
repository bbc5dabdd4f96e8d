using System.ClientModel;
using System.ClientModel.Primitives;
using AgentGuard.Http.Benchmarks.Support;
using BenchmarkDotNet.Attributes;
using OpenAI;
using OpenAI.Chat;

namespace AgentGuard.Http.Benchmarks;

/// <summary>
/// Stream throughput as an application sees it: the official SDK's <c>CompleteChatStreamingAsync</c> reading the same
/// 2,000-event loopback stream as <see cref="StreamingBenchmarks"/>, raw and guarded. The SDK parses every event, which
/// is what every real consumer does; the byte-discarding loop of <see cref="StreamingBenchmarks"/> is the worst case.
/// </summary>
[BenchmarkCategory("SdkStreaming")]
public class SdkStreamingBenchmarks
{
    private CannedSseServer _server = null!;
    private ChatClient _raw = null!;
    private ChatClient _guarded = null!;
    private readonly ChatMessage[] _messages = [new UserChatMessage("Summarize the orders of this week.")];

    static SdkStreamingBenchmarks() => Throughputs.Declare<SdkStreamingBenchmarks>(_ =>
        (ChatResponses.Sse(StreamingBenchmarks.LongStreamEvents).Length / 1e6, "MB"));

    [GlobalSetup]
    public void Setup()
    {
        _server = CannedSseServer.StartAsync(StreamingBenchmarks.LongStreamEvents).GetAwaiter().GetResult();
        _raw = Client(Clients.Raw(new SocketsHttpHandler()));
        _guarded = Client(Clients.Guarded(new SocketsHttpHandler()));
    }

    [GlobalCleanup]
    public void Cleanup() => _server.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true)]
    public Task<int> RawSdkStream() => ReadAsync(_raw);

    [Benchmark]
    public Task<int> GuardedSdkStream() => ReadAsync(_guarded);

    private async Task<int> ReadAsync(ChatClient client)
    {
        int parts = 0;
        await foreach (var update in client.CompleteChatStreamingAsync(_messages))
        {
            parts += update.ContentUpdate.Count;
        }

        return parts;
    }

    // The SDK appends chat/completions to the endpoint; the canned server streams its only stream for any path.
    private ChatClient Client(HttpClient http) => new("gpt-4o-mini", new ApiKeyCredential("sk-bench"), new OpenAIClientOptions
    {
        Endpoint = new Uri(_server.Endpoint, "/v1/"),
        Transport = new HttpClientPipelineTransport(http),
        RetryPolicy = new ClientRetryPolicy(0),
    });
}
