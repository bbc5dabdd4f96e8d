using System.Collections.Concurrent;
using System.Text.Json;
using AgentGuard.Http.Benchmarks.Support;
using AgentGuard.Http.Estimation;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Providers.OpenAI;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.Tokenizers;

namespace AgentGuard.Http.Benchmarks;

/// <summary>
/// The estimator alone. <c>ParseBody</c> is the reader every guarded call runs (one pass over the body);
/// <c>ByteBound</c> adds the price lookup and the byte bound, the whole cost of a reservation's amount on the common path.
/// <c>TokenizerBound</c> is the exact count the guard runs only when the byte bound does not fit the budget, and
/// <c>TokenizerOnly</c> the tokenizer's share of it (the message texts, already decoded).
/// </summary>
[BenchmarkCategory("Estimator")]
public class EstimatorBenchmarks
{
    private static readonly ConcurrentDictionary<int, int> s_tokens = new();

    private byte[] _body = null!;
    private string[] _texts = null!;
    private Tokenizer _tokenizer = null!;
    private PricedModel _model = null!;

    static EstimatorBenchmarks() => Throughputs.Declare<EstimatorBenchmarks>(c =>
    {
        int promptTokens = Throughputs.Param<int>(c, nameof(PromptTokens));
        var body = ChatRequests.Body(promptTokens, stream: false);
        return c.Descriptor.WorkloadMethod.Name.StartsWith("Tokenizer", StringComparison.Ordinal)
            ? (s_tokens.GetOrAdd(promptTokens, _ => ChatRequests.CountTextTokens(body)) / 1e6, "M tokens")
            : (body.Length / 1e6, "MB");
    });

    [Params(100, 1_000, 10_000, 100_000)]
    public int PromptTokens { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _body = ChatRequests.Body(PromptTokens, stream: false);
        using var document = JsonDocument.Parse(_body);
        _texts = [.. document.RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()!)];
        _tokenizer = Tokenizers.ForEncoding(Tokenizers.O200kBase)!;
        PriceTable.Embedded.TryResolve(ChatRequests.Model, out var model);
        _model = model!;
    }

    [Benchmark]
    public int ParseBody() => ChatCompletionRequestReader.Read(_body).MessageCount;

    [Benchmark]
    public long ByteBound()
    {
        var request = ChatCompletionRequestReader.Read(_body);
        PriceTable.Embedded.TryResolve(request.Model, out var model);
        var tier = ServiceTierNames.ForRequest(request.ServiceTier, ServiceTier.Standard, request.Model);
        return ChatCostEstimator.ByBytes(request, model!, tier).Micros;
    }

    [Benchmark]
    public long TokenizerBound()
    {
        var request = ChatCompletionRequestReader.Read(_body);
        return ChatCostEstimator.ByTokenizer(_body, request, _model, ServiceTier.Standard)!.Value.Micros;
    }

    [Benchmark]
    public long TokenizerOnly()
    {
        long tokens = 0;
        foreach (string text in _texts)
        {
            tokens += _tokenizer.CountTokens(text);
        }

        return tokens;
    }
}
