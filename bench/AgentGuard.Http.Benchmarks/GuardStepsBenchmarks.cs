using AgentGuard.Http.Benchmarks.Support;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Providers.OpenAI;
using AgentGuard.Http.Requests;
using AgentGuard.Http.Settlement;
using BenchmarkDotNet.Attributes;

namespace AgentGuard.Http.Benchmarks;

/// <summary>
/// Where a guarded non-streamed call's time goes, step by step, in the order the handler runs them: the profile
/// behind the overhead numbers. Each step calls the library's own internal code.
/// </summary>
[BenchmarkCategory("Steps")]
public class GuardStepsBenchmarks
{
    private static readonly BudgetPool[] s_pools = [new("steps", long.MaxValue / 2)];

    private byte[] _body = null!;
    private ChatCompletionRequest _request = null!;
    private InMemoryBudgetLedger _ledger = null!;

    [Params(1_000, 100_000)]
    public int PromptTokens { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _body = ChatRequests.Body(PromptTokens, stream: false);
        _request = ChatCompletionRequestReader.Read(_body);
        _ledger = new InMemoryBudgetLedger();
    }

    /// <summary>Is it a chat completions POST (a new Uri per call, as the SDK makes)? The handler's test, copied.</summary>
    [Benchmark]
    public bool Route()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Clients.InMemoryEndpoint.OriginalString));
        return request.Method == HttpMethod.Post
            && request.RequestUri is { } uri
            && uri.AbsolutePath.EndsWith("/chat/completions", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The request body copied out of its content into a pooled buffer (the one copy the guard makes).</summary>
    [Benchmark]
    public async Task<int> ReadBody()
    {
        using var content = new ByteArrayContent(_body);
        using var body = await PooledRequestBody.ReadAsync(content, async: true, CancellationToken.None);
        return body.Bytes.Count;
    }

    [Benchmark]
    public int ParseBody() => ChatCompletionRequestReader.Read(_body).MessageCount;

    [Benchmark]
    public long PriceAndBound()
    {
        PriceTable.Embedded.TryResolve(_request.Model, out var model);
        var tier = ServiceTierNames.ForRequest(_request.ServiceTier, ServiceTier.Standard, _request.Model);
        return ChatCostEstimator.ByBytes(_request, model!, tier).Micros;
    }

    /// <summary>A lease id, a reservation and its settlement in the in-memory ledger.</summary>
    [Benchmark]
    public long ReserveAndSettle()
    {
        string leaseId = Guid.NewGuid().ToString("N");
        var granted = _ledger.Reserve(new ReservationRequest(leaseId, s_pools, 1_000, TimeSpan.FromMinutes(10)));
        return _ledger.Commit(leaseId, 900).Pools.Count + (granted.Granted ? 1 : 0);
    }

    /// <summary>The body read, then put back as the request's content with the original's headers, then sent and released.</summary>
    [Benchmark]
    public async Task<long> ReadBodyAndPutItBack()
    {
        var original = new ByteArrayContent(_body) { Headers = { ContentType = new("application/json") } };
        using var body = await PooledRequestBody.ReadAsync(original, async: true, CancellationToken.None);
        using var content = body.ToContent(original)!;
        await content.CopyToAsync(Stream.Null);
        return content.Headers.ContentLength ?? 0;
    }

    /// <summary>A JSON answer read, put back, and its usage read.</summary>
    [Benchmark]
    public async Task<long> SettleJsonAnswer()
    {
        using var content = new ByteArrayContent(ChatResponses.Json);
        var answer = await HttpContents.ReadAllAsync(content, async: true, CancellationToken.None);
        using var replaced = HttpContents.Replace(content, answer);
        return UsageReader.TryRead(answer, out var usage, out _) ? usage.PromptTokens : 0;
    }
}
