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
    // The innermost offer; each offer links to the one outside it.
    private static readonly HttpRequestOptionsKey<Handover?> s_key = new("AgentGuard.Http.Handover");

    // Set on a request whose body the guard asked for its stream's usage: a later attempt of the same request (a retry
    // handler outside the guard sends it again) reads a body that asks for usage, but the caller still did not.
    private static readonly HttpRequestOptionsKey<bool> s_usageRequested = new("AgentGuard.Http.UsageInjected");

    /// <summary>Remembers on the request that the guard, not the caller, asked its stream for usage.</summary>
    public static void MarkUsageRequested(HttpRequestMessage request) => request.Options.Set(s_usageRequested, true);

    /// <summary>Whether the guard asked this request's stream for usage on an earlier attempt (its usage event is not the caller's).</summary>
    public static bool UsageWasRequested(HttpRequestMessage request) => request.Options.TryGetValue(s_usageRequested, out bool requested) && requested;

    /// <summary>Offers this guard's reservation to a guard of the same budget further down the pipeline.</summary>
    public static Handover Offer(HttpRequestMessage request, BudgetedSession session, CallReservation reservation, GuardedRequest guarded, bool stripUsageChunk)
    {
        request.Options.TryGetValue(s_key, out var outer);
        var handover = new Handover(session, reservation, guarded, stripUsageChunk, outer);
        request.Options.Set(s_key, handover);
        return handover;
    }

    /// <summary>The offer of the nearest guard of the same budget outside this one, or <see langword="null"/>.</summary>
    public static Handover? Nearest(HttpRequestMessage request, BudgetedSession session)
    {
        if (!request.Options.TryGetValue(s_key, out var handover))
        {
            return null;
        }

        for (; handover is not null; handover = handover.Outer)
        {
            if (handover.Session.IsSameBudget(session))
            {
                return handover;
            }
        }

        return null;
    }

    /// <summary>Takes the offer back when its attempt has returned (guards unwind innermost first).</summary>
    public static void Withdraw(HttpRequestMessage request, Handover handover) => request.Options.Set(s_key, handover.Outer);

    /// <summary>One guard's reservation for one attempt, taken at most once: by an inner guard, or back by its owner.</summary>
    internal sealed class Handover(BudgetedSession session, CallReservation reservation, GuardedRequest request, bool stripUsageChunk, Handover? outer)
    {
        private int _taken;

        public BudgetedSession Session => session;

        public CallReservation Reservation => reservation;

        public GuardedRequest Request => request;

        /// <summary>Whether the outer guard added <c>include_usage</c> to the body: whoever settles the stream removes the usage chunk.</summary>
        public bool StripUsageChunk => stripUsageChunk;

        /// <summary>The offer of the guard outside this one, if any.</summary>
        public Handover? Outer => outer;

        public bool TryTake() => Interlocked.Exchange(ref _taken, 1) == 0;
    }
}
