namespace AgentGuard.FakeOpenAI;

/// <summary>One simulated hosted tool call: its output item type (web_search_call, ...), id and the tool
/// type that priced it.</summary>
internal sealed record HostedToolCall(string ItemType, string Id, string ToolType);

/// <summary>The usage a Responses API request reports and bills, decided before it answers. InputTokens
/// is everything: visible text, images, the previous response, the conversation and the tool results.</summary>
internal sealed record ResponsesPlan(
    int InputTokens,
    int CachedTokens,
    int OutputTokens,
    int ReasoningTokens,
    int ImageTokens,
    IReadOnlyList<HostedToolCall> ToolCalls,
    decimal ToolFeesUsd,
    string Tier,
    string Terminal)
{
    /// <summary>The hidden input (previous response, conversation) plus what the request shows; the context
    /// window check applies to it before any tool runs.</summary>
    public static int KnownInput(ResponsesRequest request, StoredResponse? previous, FakeBehavior behavior) =>
        request.InputTokens + request.ImageTokens
        + (previous is null ? 0 : previous.Answer.Plan.InputTokens + previous.Answer.Plan.OutputTokens)
        + (request.ConversationId is null ? 0 : Math.Max(behavior.ConversationTokens, 0));

    public static ResponsesPlan? Make(
        ResponsesRequest request, StoredResponse? previous, FakeBehavior behavior, string tier, out OpenAIError? error)
    {
        error = null;
        if (behavior.ResponsesTerminal is not (FakeResponsesTerminal.Completed or FakeResponsesTerminal.Incomplete or FakeResponsesTerminal.Failed))
        {
            error = OpenAIError.Misconfigured($"ResponsesTerminal '{behavior.ResponsesTerminal}' is not completed, incomplete or failed.");
            return null;
        }

        var calls = PlanToolCalls(request, behavior, out var fee, out error);
        if (calls is null)
        {
            return null;
        }

        var input = KnownInput(request, previous, behavior) + (calls.Count * Math.Max(behavior.ToolResultTokens, 0));
        var price = request.Price;
        var cap = Math.Max(0, Math.Min(request.MaxOutputTokens ?? price.MaxOutput, price.ContextWindow - input));
        var output = behavior.OutputMode == FakeOutputMode.WorstCase ? cap : Math.Min(cap, Math.Max(behavior.ShortCompletionTokens, 0));
        return new ResponsesPlan(
            input,
            Math.Clamp(behavior.CachedTokens, 0, input),
            output,
            Math.Clamp(behavior.ReasoningTokens, 0, output),
            request.ImageTokens,
            calls,
            calls.Count * fee,
            tier,
            behavior.ResponsesTerminal);
    }

    /// <summary>The tier the response reports and the meter bills.</summary>
    public static string ReportedTier(ResponsesRequest request, FakeBehavior behavior) =>
        behavior.ReportedServiceTier
        ?? (request.ServiceTier is "default" or "flex" or "priority" ? request.ServiceTier : "default");

    /// <summary>Short: one call of the first hosted tool; WorstCase: max_tool_calls (else HostedToolCalls)
    /// calls of the hosted tool with the highest fee. None with tool_choice "none".</summary>
    private static List<HostedToolCall>? PlanToolCalls(ResponsesRequest request, FakeBehavior behavior, out decimal fee, out OpenAIError? error)
    {
        fee = 0m;
        error = null;
        if (request.HostedTools.Count == 0 || request.ToolChoiceNone)
        {
            return [];
        }

        string? chosen = null;
        foreach (var tool in request.HostedTools)
        {
            if (!TryFee(behavior.HostedToolFeesUsd, tool, out var toolFee))
            {
                error = OpenAIError.Misconfigured($"HostedToolFeesUsd has no fee for the hosted tool '{tool}'.");
                return null;
            }

            if (chosen is null || (behavior.OutputMode == FakeOutputMode.WorstCase && toolFee > fee))
            {
                (chosen, fee) = (tool, toolFee);
            }
        }

        var count = behavior.OutputMode == FakeOutputMode.WorstCase
            ? request.MaxToolCalls ?? Math.Max(behavior.HostedToolCalls, 0)
            : Math.Min(1, request.MaxToolCalls ?? 1);
        var (itemType, prefix) = chosen switch
        {
            "file_search" => ("file_search_call", "fs_"),
            "code_interpreter" => ("code_interpreter_call", "ci_"),
            _ => ("web_search_call", "ws_"),
        };
        return [.. Enumerable.Range(0, count).Select(_ => new HostedToolCall(itemType, prefix + Guid.NewGuid().ToString("N"), chosen!))];
    }

    private static bool TryFee(IReadOnlyDictionary<string, decimal> fees, string tool, out decimal fee) =>
        fees.TryGetValue(tool, out fee)
        || (tool.StartsWith("web_search", StringComparison.Ordinal) && fees.TryGetValue("web_search", out fee));
}
