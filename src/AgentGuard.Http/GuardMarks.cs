using AgentGuard.Http.Requests;
using AgentGuard.Http.Settlement;

namespace AgentGuard.Http;

/// <summary>
/// Hands a call's reservation from a guard to the next guard of the same budget nearer the network (a guarded client
/// wrapped again, a handler registered twice), so that a call through two guards is charged once, and by the guard
/// that sees every attempt: when a retry handler sits between the two, the inner guard settles the first attempt with
/// the outer guard's reservation and reserves each retry on its own. Guards of different budgets each charge their own.
/// Offers are withdrawn when the attempt returns, so a retry handler outside every guard gets each attempt guarded again.
/// </summary>
internal static class GuardMarks
{
    private static readonly HttpRequestOptionsKey<List<Handover>> s_key = new("AgentGuard.Http.Handovers");

    /// <summary>Offers this guard's reservation to a guard of the same budget further down the pipeline.</summary>
    public static Handover Offer(HttpRequestMessage request, BudgetedSession session, CallReservation reservation, GuardedRequest guarded, bool stripUsageChunk)
    {
        if (!request.Options.TryGetValue(s_key, out var handovers))
        {
            handovers = [];
            request.Options.Set(s_key, handovers);
        }

        var handover = new Handover(session, reservation, guarded, stripUsageChunk);
        lock (handovers)
        {
            handovers.Add(handover);
        }

        return handover;
    }

    /// <summary>The offer of the nearest guard of the same budget outside this one, or <see langword="null"/>.</summary>
    public static Handover? Nearest(HttpRequestMessage request, BudgetedSession session)
    {
        if (!request.Options.TryGetValue(s_key, out var handovers))
        {
            return null;
        }

        lock (handovers)
        {
            for (int i = handovers.Count - 1; i >= 0; i--)
            {
                if (handovers[i].Session.IsSameBudget(session))
                {
                    return handovers[i];
                }
            }
        }

        return null;
    }

    public static void Withdraw(HttpRequestMessage request, Handover handover)
    {
        if (request.Options.TryGetValue(s_key, out var handovers))
        {
            lock (handovers)
            {
                handovers.Remove(handover);
            }
        }
    }

    /// <summary>One guard's reservation for one attempt, taken at most once: by an inner guard, or back by its owner.</summary>
    internal sealed class Handover(BudgetedSession session, CallReservation reservation, GuardedRequest request, bool stripUsageChunk)
    {
        private int _taken;

        public BudgetedSession Session => session;

        public CallReservation Reservation => reservation;

        public GuardedRequest Request => request;

        /// <summary>Whether the outer guard added <c>include_usage</c> to the body: whoever settles the stream removes the usage chunk.</summary>
        public bool StripUsageChunk => stripUsageChunk;

        public bool TryTake() => Interlocked.Exchange(ref _taken, 1) == 0;
    }
}
