using System.Globalization;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Estimation;

/// <summary>
/// Why a refused call's bound is what it is, and which fix applies: the tokens and rates it was priced from, where its
/// output cap came from, and what would let it fit. Written into the refusal's message, its 402 body and its log.
/// </summary>
internal static class BoundExplanation
{
    /// <param name="request">The refused request.</param>
    /// <param name="model">Its priced model.</param>
    /// <param name="bound">The bound that did not fit.</param>
    /// <param name="guardCap">The output cap the guard set (its default, or fit-to-budget's), or <see langword="null"/>.</param>
    /// <param name="fitToBudget">Whether fit-to-budget was on (it then found no cap of at least <paramref name="minCap"/> that fits).</param>
    /// <param name="minCap">The smallest cap fit-to-budget sends.</param>
    public static string Describe(GuardedRequest request, PricedModel model, CostBound bound, int? guardCap, bool fitToBudget, int minCap)
    {
        var ci = CultureInfo.InvariantCulture;
        var rates = model.TryGetRates(bound.Tier, model.IsLongContext(bound.InputTokens), out var found) ? found : default;
        string tier = bound.Tier == ServiceTier.Standard ? "" : $" ({bound.Tier} tier)";
        string input = string.Create(ci, $"{bound.InputTokens:N0} input tokens at ${rates.Input:0.####}/M");
        if (!request.Operation.HasOutputCap)
        {
            return $"Its bound is {input}{tier}. To fit it, send less input or raise AgentGuardOptions.BudgetUsd.";
        }

        string member = request.OutputCapMember;
        string output = string.Create(ci, $"{bound.OutputTokens:N0} output tokens at ${rates.Output:0.####}/M");
        string why = (guardCap, request.OutputCap) switch
        {
            ({ } cap, _) => string.Create(ci, $"the guard set {member} to {cap:N0}"),
            (null, { } cap) => string.Create(ci, $"{member} is {cap:N0}"),
            _ => string.Create(ci, $"the request sets no {member}, so up to the model's maximum of {model.Price.MaxOutputTokens:N0}"),
        };

        string fix = fitToBudget
            ? string.Create(ci, $"Fit-to-budget found no output cap of at least {minCap:N0} tokens (MinClampedOutputTokens) that fits what remains: wait for the calls in flight to settle, send less input, or raise AgentGuardOptions.BudgetUsd.")
            : request.OutputCap is null && guardCap is null
                ? $"To fit it: set {member} on the request, set AgentGuardOptions.DefaultMaxOutputTokens, turn fit-to-budget back on (AgentGuardOptions.ClampOutputToBudget), or raise AgentGuardOptions.BudgetUsd."
                : $"To fit it: lower {member}, turn fit-to-budget back on (AgentGuardOptions.ClampOutputToBudget), or raise AgentGuardOptions.BudgetUsd.";
        return $"Its bound is {input} and {output}{tier} ({why}). {fix}";
    }
}
