using AgentGuard.Http.Estimation;
using AgentGuard.Http.Pricing;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// Prices the worst case of a Responses request: one model turn (its input bound, see <see cref="ResponsesInputBounds"/>,
/// and the largest output the request allows), plus, for each hosted tool call the request allows, the largest fee of
/// the tools it offers and one more turn, whose input can fill the model's input window (the tool's results are read)
/// and whose output can reach the cap again.
/// </summary>
internal static class ResponsesCostEstimator
{
    /// <summary>The cheap bound: no tokenizer, one arithmetic step over what the reader counted.</summary>
    /// <exception cref="UnboundedRequestException">Hosted tools without <c>max_tool_calls</c>, or without a fee.</exception>
    public static CostBound ByBytes(ResponsesRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int? outputCap = null) =>
        Price(request, model, tier, ResponsesInputBounds.ByBytes(request, model, context), fromTokenizer: false, context, outputCap);

    /// <summary>The tighter bound from token counts (<see cref="TextTokens"/>), or <see langword="null"/> when the model's encoding is unknown.</summary>
    public static CostBound? ByTokenizer(
        ReadOnlySpan<byte> body, ResponsesRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int? outputCap = null,
        CancellationToken cancellationToken = default)
    {
        if (TextTokens.ForCall(model, cancellationToken) is not { } tokens)
        {
            return null;
        }

        return Price(request, model, tier, ResponsesInputBounds.ByTokenizer(body, request, model, context, tokens), fromTokenizer: true, context, outputCap);
    }

    /// <summary>The same input bound priced with another output cap: every turn a tool call adds is priced with the new cap too.</summary>
    public static CostBound Reprice(CostBound bound, ResponsesRequest request, PricedModel model, ServiceTier tier, EstimationContext context, int outputCap) =>
        Price(request, model, tier, bound.Input, bound.FromTokenizer, context, outputCap);

    private static CostBound Price(ResponsesRequest request, PricedModel model, ServiceTier tier, InputTokenBound firstTurn, bool fromTokenizer, EstimationContext context, int? outputCap)
    {
        var (calls, largestFee) = HostedToolUse(request, context);
        var input = firstTurn with { Upper = firstTurn.Upper + (calls * ResponsesInputBounds.InputWindow(model)) };

        // Every turn is an output of its own: the turns are priced as choices of the cap.
        var bound = CostPricing.Price(model, tier, request.Model, input, outputCap ?? request.OutputCap, choices: 1 + calls, context,
            feeMicros: calls * largestFee * 1_000_000m, fromTokenizer: fromTokenizer);

        // The bound keeps the first turn's input only, because Reprice adds the tool turns again.
        return bound with { Input = firstTurn };
    }

    /// <summary>How many hosted tool calls the request allows, and the largest fee one of them can bill.</summary>
    private static (long Calls, decimal LargestFee) HostedToolUse(ResponsesRequest request, EstimationContext context)
    {
        if (request.HostedToolTypes.Count == 0)
        {
            return (0, 0m);
        }

        int calls = request.MaxToolCalls ?? context.MaxToolCallsWhenAbsent ?? throw new UnboundedRequestException(UnboundedRequestReason.UnboundedToolUse,
            $"The Responses request cannot be bounded: it offers hosted tools without max_tool_calls ({string.Join(", ", request.HostedToolTypes)}), and each " +
            "tool call can add a fee and a whole context window of input. Set max_tool_calls on the request (MaxToolCallCount in the OpenAI SDK), or bound " +
            "such requests with AgentGuardOptions.RequireMaxToolCalls = false and AgentGuardOptions.AssumedMaxToolCalls.");
        if (calls == 0)
        {
            return (0, 0m);
        }

        decimal largest = 0m;
        foreach (string tool in request.HostedToolTypes)
        {
            if (!HostedTools.TryGetFee(context.HostedToolFees, tool, out decimal fee))
            {
                string name = HostedTools.Undated(tool);
                throw new UnboundedRequestException(UnboundedRequestReason.UnboundedToolUse,
                    $"The Responses request cannot be bounded: it offers the hosted tool '{tool}', which has no fee configured, and each of its calls can be billed. " +
                    $"Configure what one call costs in USD: AgentGuardOptions.HostedToolFees[\"{name}\"] = 0.01m (use OpenAI's current price for the tool).");
            }

            largest = Math.Max(largest, fee);
        }

        return (calls, largest);
    }
}
