namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// The tokens of the Responses this budget settled, by response id: a request that continues one
/// (<c>previous_response_id</c>) is billed its input and output again as input, which the body does not show.
/// Bounded: the oldest ids are forgotten first, and a forgotten id is bounded like an unknown one (a whole input window).
/// Thread-safe.
/// </summary>
internal sealed class ResponseTokenCache
{
    /// <summary>How many response ids a budget remembers.</summary>
    public const int DefaultCapacity = 10_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _tokens = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly int _capacity;

    public ResponseTokenCache(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _tokens.Count;
            }
        }
    }

    /// <summary>Remembers what a response billed in tokens (its input plus its output).</summary>
    public void Remember(string responseId, long tokens)
    {
        lock (_lock)
        {
            if (_tokens.ContainsKey(responseId))
            {
                _tokens[responseId] = Math.Max(_tokens[responseId], tokens);
                return;
            }

            if (_tokens.Count == _capacity)
            {
                _tokens.Remove(_order.Dequeue());
            }

            _tokens.Add(responseId, tokens);
            _order.Enqueue(responseId);
        }
    }

    /// <summary>The tokens a response billed, when this budget settled it and still remembers it.</summary>
    public bool TryGet(string responseId, out long tokens)
    {
        lock (_lock)
        {
            return _tokens.TryGetValue(responseId, out tokens);
        }
    }
}
