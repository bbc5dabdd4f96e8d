using System.Collections.Concurrent;

namespace AgentGuard.FakeOpenAI;

/// <summary>A response the fake created: what it renders, at any time, in any state.</summary>
internal sealed record ResponseAnswer(
    string Id,
    long CreatedAt,
    ResponsesRequest Request,
    ResponsesPlan Plan,
    string MessageId,
    string Text,
    bool ReportUsage);

/// <summary>A stored response and, for a background one, the GETs still to answer "in_progress".</summary>
internal sealed class StoredResponse(ResponseAnswer answer, int pendingPolls)
{
    private int _pendingPolls = pendingPolls;
    private int _cancelled;

    public ResponseAnswer Answer { get; } = answer;

    public bool Cancelled => Volatile.Read(ref _cancelled) != 0;

    /// <summary>Whether the background work is still "running" (polls left and not cancelled).</summary>
    public bool Running => !Cancelled && Volatile.Read(ref _pendingPolls) > 0;

    /// <summary>Uses up one "in_progress" poll; false when none is left.</summary>
    public bool TryTakePoll()
    {
        while (true)
        {
            var left = Volatile.Read(ref _pendingPolls);
            if (left <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _pendingPolls, left - 1, left) == left)
            {
                return true;
            }
        }
    }

    /// <summary>Cancels the background work if it is still running; true when it did.</summary>
    public bool TryCancel() => Running && Interlocked.Exchange(ref _cancelled, 1) == 0;
}

/// <summary>Every response the fake created, by id (it never forgets, whatever the request's <c>store</c>).</summary>
internal sealed class ResponseStore
{
    private readonly ConcurrentDictionary<string, StoredResponse> _responses = new(StringComparer.Ordinal);

    public StoredResponse Add(ResponseAnswer answer, int pendingPolls)
    {
        var stored = new StoredResponse(answer, pendingPolls);
        _responses[answer.Id] = stored;
        return stored;
    }

    public StoredResponse? Find(string id) => _responses.TryGetValue(id, out var stored) ? stored : null;

    /// <summary>The 404 of an unknown response id.</summary>
    public static OpenAIError NotFound(string id) => new(404, $"No response found with id '{id}'. (fake)", Param: null);

    /// <summary>The 400 of a previous_response_id the fake never created.</summary>
    public static OpenAIError PreviousNotFound(string id) => OpenAIError.Invalid(
        $"Previous response with id '{id}' not found.", "previous_response_id", "previous_response_not_found");
}
