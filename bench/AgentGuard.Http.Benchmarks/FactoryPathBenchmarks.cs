using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json;
using AgentGuard.Http.Benchmarks.Support;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;

namespace AgentGuard.Http.Benchmarks;

/// <summary>
/// The guard as users register it (issue 21): <c>services.AddHttpClient("openai").AddAgentGuard(...)</c>, the client from
/// IHttpClientFactory per call, a fresh request per call (a <see cref="StringContent"/>, or the OpenAI SDK's own content),
/// <c>Send</c> and <c>SendAsync</c>, against a primary handler that answers at once; the baseline is a raw client from
/// the same factory with the same primary handler.
/// </summary>
[BenchmarkCategory("Overhead", "Factory")]
public class FactoryPathBenchmarks
{
    private static readonly Uri s_endpoint = new("https://api.openai.com/v1/chat/completions");

    private ServiceProvider _services = null!;
    private IHttpClientFactory _factory = null!;
    private string _body = null!;
    private ChatMessage[] _messages = null!;
    private ChatClient _rawSdk = null!;
    private ChatClient _guardedSdk = null!;

    [Params(1_000, 10_000, 100_000)]
    public int PromptTokens { get; set; }

    [Params(false, true)]
    public bool Sync { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("raw").ConfigurePrimaryHttpMessageHandler(() => new ByteReadsHandler(ChatResponses.Json));
        services.AddHttpClient("openai")
            .AddAgentGuard(o => o.BudgetUsd = Clients.HugeBudgetUsd)
            .ConfigurePrimaryHttpMessageHandler(() => new ByteReadsHandler(ChatResponses.Json));
        _services = services.BuildServiceProvider();
        _factory = _services.GetRequiredService<IHttpClientFactory>();

        byte[] body = ChatRequests.Body(PromptTokens, stream: false);
        _body = Encoding.UTF8.GetString(body);
        using var document = JsonDocument.Parse(body);
        _messages = [.. document.RootElement.GetProperty("messages").EnumerateArray()
            .Select(m => (ChatMessage)new UserChatMessage(m.GetProperty("content").GetString()!))];
        _rawSdk = Sdk("raw");
        _guardedSdk = Sdk("openai");
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true)]
    public Task<int> RawStringContent() => CallAsync("raw");

    [Benchmark]
    public Task<int> GuardedStringContent() => CallAsync("openai");

    [Benchmark]
    public Task<int> RawSdk() => SdkAsync(_rawSdk);

    [Benchmark]
    public Task<int> GuardedSdk() => SdkAsync(_guardedSdk);

    private async Task<int> CallAsync(string client)
    {
        var http = _factory.CreateClient(client);
        using var request = new HttpRequestMessage(HttpMethod.Post, s_endpoint) { Content = new StringContent(_body, Encoding.UTF8, "application/json") };
        if (Sync)
        {
            using var response = http.Send(request);
            response.EnsureSuccessStatusCode();
            using var content = response.Content.ReadAsStream();
            content.CopyTo(Stream.Null);
            return (int)response.StatusCode;
        }

        using (var response = await http.SendAsync(request))
        {
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadAsByteArrayAsync()).Length;
        }
    }

    private async Task<int> SdkAsync(ChatClient chat)
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 1_024 };
        ChatCompletion completion = Sync ? chat.CompleteChat(_messages, options) : await chat.CompleteChatAsync(_messages, options);
        return completion.Usage.OutputTokenCount;
    }

    // The SDK's client on the factory's client, as the README shows; no retries (the handler never fails).
    private ChatClient Sdk(string client) => new(ChatRequests.Model, new ApiKeyCredential("sk-bench"), new OpenAIClientOptions
    {
        Endpoint = new Uri("https://api.openai.com/v1/"),
        Transport = new HttpClientPipelineTransport(_factory.CreateClient(client)),
        RetryPolicy = new ClientRetryPolicy(0),
    });
}

/// <summary>
/// A stream's cost per chunk through the factory path (issue 21): a 4,000-chunk answer served in 256-byte reads, read
/// through a 256-byte buffer, so both sides make the same reads. With <c>include_usage</c> asked by the caller the guard
/// passes reads through; without it the guard asks for usage and removes the usage event (strip mode).
/// </summary>
[BenchmarkCategory("Streaming", "Factory")]
public class FactoryStreamBenchmarks
{
    public const int Chunks = 4_000;

    private static readonly Uri s_endpoint = new("https://api.openai.com/v1/chat/completions");

    private readonly byte[] _buffer = new byte[256];
    private ServiceProvider _services = null!;
    private IHttpClientFactory _factory = null!;
    private string _body = null!;

    [Params(true, false)]
    public bool CallerAsksForUsage { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        byte[] sse = ChatResponses.Sse(Chunks);
        var services = new ServiceCollection();
        services.AddHttpClient("raw").ConfigurePrimaryHttpMessageHandler(() => new ByteReadsHandler(ChatResponses.Json, sse));
        services.AddHttpClient("openai")
            .AddAgentGuard(o => o.BudgetUsd = Clients.HugeBudgetUsd)
            .ConfigurePrimaryHttpMessageHandler(() => new ByteReadsHandler(ChatResponses.Json, sse));
        _services = services.BuildServiceProvider();
        _factory = _services.GetRequiredService<IHttpClientFactory>();
        _body = Encoding.UTF8.GetString(ChatRequests.Body(100, stream: true, includeUsage: CallerAsksForUsage));
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Chunks)]
    public Task<long> Raw() => StreamAsync("raw");

    [Benchmark(OperationsPerInvoke = Chunks)]
    public Task<long> Guarded() => StreamAsync("openai");

    private async Task<long> StreamAsync(string client)
    {
        var http = _factory.CreateClient(client);
        using var request = new HttpRequestMessage(HttpMethod.Post, s_endpoint) { Content = new StringContent(_body, Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync();
        long total = 0;
        int n;
        while ((n = await stream.ReadAsync(_buffer)) > 0)
        {
            total += n;
        }

        return total;
    }
}
