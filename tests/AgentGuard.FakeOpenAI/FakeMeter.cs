namespace AgentGuard.FakeOpenAI;

/// <summary>The endpoints the fake bills, as <see cref="MeteredCall.Endpoint"/> names them.</summary>
public static class FakeEndpoints
{
    public const string ChatCompletions = "chat.completions";
    public const string Responses = "responses";
    public const string Embeddings = "embeddings";
    public const string Completions = "completions";
}

/// <summary>One billed request, as the fake billed it. Model is the request's model (on Azure routes the
/// deployment's model); PricedAs the price-table entry that billed it (dated snapshots map to their family);
/// PromptTokens all input tokens, including <see cref="ImageTokens"/> and, on the Responses API, the previous
/// response's tokens, the conversation's and the hosted tool results; CompletionTokens covers all choices
/// (legacy completions: max(n, best_of) per prompt), including reasoning and rejected prediction tokens.
/// CostUsd includes <see cref="ToolFeesUsd"/> (the hosted tool fees of <see cref="HostedToolCalls"/> calls);
/// CostMicros is CostUsd rounded up. Deployment is the Azure deployment that named the model; ResponseId the
/// Responses API id; AudioCompletionTokens the part of CompletionTokens that is audio (billed at the audio price).</summary>
public sealed record MeteredCall(
    string Model,
    string PricedAs,
    int PromptTokens,
    int CompletionTokens,
    int CachedTokens,
    int ReasoningTokens,
    int RejectedPredictionTokens,
    string Tier,
    decimal CostUsd,
    long CostMicros,
    FakeFailure Failure,
    bool Stream,
    int Choices,
    string Endpoint = FakeEndpoints.ChatCompletions,
    decimal ToolFeesUsd = 0m,
    int ImageTokens = 0,
    int HostedToolCalls = 0,
    string? Deployment = null,
    string? ResponseId = null,
    int AudioCompletionTokens = 0);

/// <summary>What the fake server billed. Thread-safe.</summary>
public sealed class FakeMeter
{
    /// <summary>Request bodies kept (the first ones); the counters go on past it.</summary>
    public const int MaxStoredBodies = 10_000;

    /// <summary>Calls kept (the first ones); the totals go on past it.</summary>
    public const int MaxStoredCalls = 100_000;

    private readonly Lock _lock = new();
    private readonly List<MeteredCall> _calls = [];
    private readonly List<string> _bodies = [];
    private decimal _totalUsd;
    private decimal _toolFeesUsd;
    private long _totalMicros;
    private int _billed;
    private int _total;
    private int _inFlight;
    private int _maxInFlight;

    /// <summary>Exact sum of the billed costs.</summary>
    public decimal TotalBilledUsd { get { lock (_lock) { return _totalUsd; } } }

    /// <summary>The part of <see cref="TotalBilledUsd"/> that is hosted tool fees.</summary>
    public decimal TotalToolFeesUsd { get { lock (_lock) { return _toolFeesUsd; } } }

    /// <summary>Sum of each billed cost rounded up to whole micro-dollars.</summary>
    public long TotalBilledMicros { get { lock (_lock) { return _totalMicros; } } }

    public int BilledRequests { get { lock (_lock) { return _billed; } } }

    /// <summary>Every request received, on any path, billed or not.</summary>
    public int TotalRequests { get { lock (_lock) { return _total; } } }

    /// <summary>Requests in flight now.</summary>
    public int CurrentRequests { get { lock (_lock) { return _inFlight; } } }

    /// <summary>The most requests in flight at once, from request start to response end.</summary>
    public int MaxConcurrentRequests { get { lock (_lock) { return _maxInFlight; } } }

    /// <summary>A snapshot of the billed calls, in billing order.</summary>
    public IReadOnlyList<MeteredCall> Calls { get { lock (_lock) { return [.. _calls]; } } }

    /// <summary>A snapshot of the raw bodies of the POSTs to the model endpoints (chat completions,
    /// responses, embeddings, completions), in arrival order.</summary>
    public IReadOnlyList<string> RequestBodies { get { lock (_lock) { return [.. _bodies]; } } }

    /// <inheritdoc cref="FakePrices.PriceOf(string, int, int, int, string?)"/>
    public static decimal PriceOf(string model, int prompt, int cached, int completion, string? tier = "default") =>
        FakePrices.PriceOf(model, prompt, cached, completion, tier);

    /// <inheritdoc cref="FakePrices.ToMicros(decimal)"/>
    public static long MicrosOf(decimal usd) => FakePrices.ToMicros(usd);

    /// <inheritdoc cref="FakeTokenCounter.CountPromptTokens(string)"/>
    public static int CountPromptTokens(string requestJson) => FakeTokenCounter.CountPromptTokens(requestJson);

    /// <inheritdoc cref="FakeTokenCounter.CountResponsesInputTokens(string)"/>
    public static int CountResponsesInputTokens(string requestJson) => FakeTokenCounter.CountResponsesInputTokens(requestJson);

    /// <summary>Tokens of a text (no framing) in the encoding of a model: an embeddings input, a legacy prompt.</summary>
    public static int CountTokens(string text, string model) => FakeTokenCounter.CountTokens(text, FakePrices.Resolve(model).Encoding);

    /// <summary>Forgets everything; requests in flight now still count as in flight.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _calls.Clear();
            _bodies.Clear();
            _totalUsd = 0m;
            _toolFeesUsd = 0m;
            _totalMicros = 0;
            _billed = 0;
            _total = 0;
            _maxInFlight = _inFlight;
        }
    }

    internal void RequestStarted()
    {
        lock (_lock)
        {
            _total++;
            _inFlight++;
            _maxInFlight = Math.Max(_maxInFlight, _inFlight);
        }
    }

    internal void RequestEnded()
    {
        lock (_lock)
        {
            _inFlight--;
        }
    }

    internal void RecordBody(string body)
    {
        lock (_lock)
        {
            if (_bodies.Count < MaxStoredBodies)
            {
                _bodies.Add(body);
            }
        }
    }

    internal void Bill(MeteredCall call)
    {
        lock (_lock)
        {
            _totalUsd += call.CostUsd;
            _toolFeesUsd += call.ToolFeesUsd;
            _totalMicros += call.CostMicros;
            _billed++;
            if (_calls.Count < MaxStoredCalls)
            {
                _calls.Add(call);
            }
        }
    }
}
