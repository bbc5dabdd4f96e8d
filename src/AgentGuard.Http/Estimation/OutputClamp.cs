using AgentGuard.Http.Pricing;
using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Estimation;

/// <summary>
/// Fit-to-budget: finds the largest output cap whose worst case fits this call's share of what the budget has left. The
/// input bound stays as it was counted, only the output changes, so the search prices the same bound again and never
/// counts the body twice. Provider-neutral: the operation reprices the bound and writes its own cap field.
/// </summary>
internal static class OutputClamp
{
    /// <param name="bound">The bound that did not fit.</param>
    /// <param name="request">The request.</param>
    /// <param name="model">Its priced model.</param>
    /// <param name="tier">Its tier.</param>
    /// <param name="context">The client's multiplier and fees.</param>
    /// <param name="remainingMicros">What the refusing pool has left.</param>
    /// <param name="shareMicros">
    /// This call's share of it (the rest is left to the calls in flight beside it): the cap fits the share, or is
    /// <paramref name="minCap"/> when not even that fits the share but fits what remains.
    /// </param>
    /// <param name="minCap">The smallest cap worth sending.</param>
    /// <param name="currentCap">The cap the request is sent with now (its own or one the guard set), or <see langword="null"/>.</param>
    /// <returns>The cap and its bound, or <see langword="null"/> when not even <paramref name="minCap"/> fits or no lower cap helps.</returns>
    public static (int OutputCap, CostBound Bound)? Fit(
        CostBound bound, GuardedRequest request, PricedModel model, ServiceTier tier, EstimationContext context, long remainingMicros, long shareMicros, int minCap, int? currentCap)
    {
        if (!request.Operation.HasOutputCap || remainingMicros <= 0)
        {
            return null;
        }

        // Only a cap below what is billed now can lower the bound.
        long billedPerChoice = Math.Min(currentCap ?? model.Price.MaxOutputTokens, model.Price.MaxOutputTokens);
        if (billedPerChoice <= minCap)
        {
            return null;
        }

        var lowest = request.Operation.Reprice(bound, request, model, tier, context, minCap);
        if (lowest.Micros > remainingMicros)
        {
            return null;
        }

        if (lowest.Micros >= shareMicros)
        {
            return (minCap, lowest);
        }

        // The cost grows with the cap: the largest cap that fits, in about 17 steps for 128,000 tokens.
        int fits = minCap, tooMuch = (int)billedPerChoice;
        var best = lowest;
        while (tooMuch - fits > 1)
        {
            int middle = fits + ((tooMuch - fits) / 2);
            var priced = request.Operation.Reprice(bound, request, model, tier, context, middle);
            if (priced.Micros <= shareMicros)
            {
                (fits, best) = (middle, priced);
            }
            else
            {
                tooMuch = middle;
            }
        }

        return (fits, best);
    }
}
