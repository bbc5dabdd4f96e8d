using System.Collections.Frozen;
using AgentGuard.Http.Providers.OpenAI;

namespace AgentGuard.Http.Estimation;

/// <summary>What a client's options add to the price of every call it makes.</summary>
/// <param name="PriceMultiplier">Multiplies every price (regional data residency, an Azure regional deployment).</param>
internal sealed record EstimationContext(decimal PriceMultiplier)
{
    public static EstimationContext Default { get; } = new(1m);

    /// <summary>USD per call of each hosted tool type; a tool missing here cannot be bounded.</summary>
    public FrozenDictionary<string, decimal> HostedToolFees { get; init; } = FrozenDictionary<string, decimal>.Empty;

    /// <summary>The tool calls assumed when a request offers hosted tools without <c>max_tool_calls</c>; <see langword="null"/> refuses such requests.</summary>
    public int? MaxToolCallsWhenAbsent { get; init; }

    /// <summary>
    /// The tokens of the Responses the budget settled (its session's), which bound what a <c>previous_response_id</c> adds;
    /// <see langword="null"/> bounds every previous response as unknown (a whole input window).
    /// </summary>
    public ResponseTokenCache? ResponseTokens { get; init; }
}
