using System.Net;
using AgentGuard.Http.Settlement;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// The background Responses (<c>background: true</c>) of one budget whose reservations wait for their outcome: the POST
/// answers at once with a queued response, and only a later <c>GET /responses/{id}</c> shows what it billed. The
/// reservation holds for <see cref="AgentGuardOptions.BackgroundLeaseDuration"/>; a GET that shows a terminal status
/// settles it, else the lease expires and the ledger charges it in full. Bounded and thread-safe.
/// </summary>
internal sealed class BackgroundResponses
{
    /// <summary>How many background responses a budget waits for at once.</summary>
    public const int DefaultCapacity = 10_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, CallReservation> _pending = new(StringComparer.Ordinal);
    private readonly int _capacity;

    public BackgroundResponses(int capacity = DefaultCapacity)
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
                return _pending.Count;
            }
        }
    }

    /// <summary>
    /// Keeps a background response's reservation until a retrieval shows its outcome; when the budget already waits for
    /// as many as it can keep, the reservation is charged in full at once (the response may bill up to it).
    /// </summary>
    public static ValueTask WaitForOutcomeAsync(CallReservation reservation, string responseId, bool async) =>
        reservation.Session.BackgroundResponses.TryAdd(responseId, reservation)
            ? ValueTask.CompletedTask
            : reservation.ChargeInFullAsync("the budget already waits for the outcome of as many background responses as it keeps", async);

    /// <summary>
    /// Settles a background response this budget waits for when its retrieval (<c>200</c>, JSON) shows it ended: from its
    /// usage, or in full when it has none. The caller gets an equivalent response. Responses the budget does not wait for
    /// are returned untouched, unread.
    /// </summary>
    public static async ValueTask<HttpResponseMessage> ObserveRetrievalAsync(BudgetedSession session, string responseId, HttpResponseMessage response, bool async, CancellationToken cancellationToken)
    {
        var pending = session.BackgroundResponses;

        // A streamed retrieval replays events and can be left at any point: it proves nothing, and is not read.
        if (!pending.Contains(responseId) || response.StatusCode != HttpStatusCode.OK || ResponseSettlement.IsEventStream(response.Content.Headers))
        {
            return response;
        }

        byte[] body;
        try
        {
            body = await HttpContents.ReadAllAsync(response.Content, async, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The reservation keeps waiting: a later retrieval, or the lease's expiry, settles it.
            response.Dispose();
            throw;
        }

        response.Content = HttpContents.Replace(response.Content, body);
        if (!UsageReader.TryReadResponse(body, out var state) || !state.IsTerminal || !pending.TryRemove(responseId, out var reservation))
        {
            return response;
        }

        await (state.Usage is { } usage
            ? reservation.SettleFromUsageAsync(usage, async)
            : reservation.ChargeInFullAsync($"the background response ended ({state.Status}) without usage", async)).ConfigureAwait(false);
        return response;
    }

    public bool Contains(string responseId)
    {
        lock (_lock)
        {
            return _pending.ContainsKey(responseId);
        }
    }

    public bool TryRemove(string responseId, out CallReservation reservation)
    {
        lock (_lock)
        {
            return _pending.Remove(responseId, out reservation!);
        }
    }

    /// <summary>Keeps a reservation by response id; <see langword="false"/> when as many wait as the budget keeps (expired leases make room).</summary>
    public bool TryAdd(string responseId, CallReservation reservation)
    {
        lock (_lock)
        {
            if (_pending.Count >= _capacity)
            {
                // Expired leases were charged in full by the ledger; forgetting them only forgoes a late refund.
                foreach (var (id, waiting) in _pending)
                {
                    if (waiting.IsSettled || waiting.LeaseExpired)
                    {
                        _pending.Remove(id);
                    }
                }
            }

            return _pending.Count < _capacity && _pending.TryAdd(responseId, reservation);
        }
    }
}
