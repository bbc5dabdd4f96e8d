using System.Collections.Frozen;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// The Responses API's hosted tools: which tool types OpenAI runs itself (each call can bill a fee and one more model
/// turn), which output items are their calls, and the fee each one is charged at. Admission and settlement both price
/// tool calls here, so that a reservation and its settlement agree on what a call costs.
/// </summary>
internal static class HostedTools
{
    /// <summary>
    /// Whether OpenAI runs a tool of this type. Functions, custom tools, shells, apply_patch and computer use are run by
    /// the caller: the response ends at their call. Everything else (web_search, file_search, code_interpreter,
    /// image_generation, mcp and tools not known yet) is run server-side, within the response.
    /// </summary>
    public static bool IsHosted(string toolType) =>
        toolType is not ("function" or "custom" or "local_shell" or "shell" or "apply_patch" or "computer_use_preview" or "computer_use");

    /// <summary>The tool type whose fee an output item bills (<c>web_search_call</c> is a call of <c>web_search</c>), or <see langword="null"/> when the item is no hosted tool call.</summary>
    public static string? ToolOfCallItem(ReadOnlySpan<byte> itemType) => itemType switch
    {
        _ when itemType.SequenceEqual("web_search_call"u8) => "web_search",
        _ when itemType.SequenceEqual("file_search_call"u8) => "file_search",
        _ when itemType.SequenceEqual("code_interpreter_call"u8) => "code_interpreter",
        _ when itemType.SequenceEqual("image_generation_call"u8) => "image_generation",
        _ when itemType.SequenceEqual("mcp_call"u8) => "mcp",
        _ => null,
    };

    /// <summary>
    /// The configured fee of a tool type: its own entry, else its undated name's (<c>web_search_preview_2025_03_11</c> is
    /// <c>web_search_preview</c>), else for the web search family the fee of <c>web_search</c>, then of <c>web_search_preview</c>.
    /// </summary>
    public static bool TryGetFee(FrozenDictionary<string, decimal> fees, string toolType, out decimal fee)
    {
        if (fees.TryGetValue(toolType, out fee))
        {
            return true;
        }

        string undated = Undated(toolType);
        if (fees.TryGetValue(undated, out fee))
        {
            return true;
        }

        return undated.StartsWith("web_search", StringComparison.Ordinal)
            && (fees.TryGetValue("web_search", out fee) || fees.TryGetValue("web_search_preview", out fee));
    }

    /// <summary>
    /// What the hosted tool calls a response shows were billed, in micro-dollars. A call of a tool that has no fee here was
    /// not offered (admission refuses offered tools without a fee), so it is charged the largest fee configured.
    /// </summary>
    public static decimal FeeMicros(IReadOnlyDictionary<string, int>? calls, FrozenDictionary<string, decimal> fees)
    {
        if (calls is null)
        {
            return 0m;
        }

        decimal usd = 0m;
        foreach (var (tool, count) in calls)
        {
            usd += count * (TryGetFee(fees, tool, out decimal fee) ? fee : LargestFee(fees));
        }

        return usd * 1_000_000m;
    }

    /// <summary>The name a configuration knows a tool by: its type without a date suffix (<c>_2025_03_11</c>).</summary>
    public static string Undated(string toolType)
    {
        // "_yyyy_mm_dd" is 11 characters: an underscore and digits in a fixed pattern.
        const int Suffix = 11;
        if (toolType.Length <= Suffix)
        {
            return toolType;
        }

        var tail = toolType.AsSpan(toolType.Length - Suffix);
        for (int i = 0; i < Suffix; i++)
        {
            bool separator = i is 0 or 5 or 8;
            if (separator ? tail[i] != '_' : !char.IsAsciiDigit(tail[i]))
            {
                return toolType;
            }
        }

        return toolType[..^Suffix];
    }

    private static decimal LargestFee(FrozenDictionary<string, decimal> fees)
    {
        decimal largest = 0m;
        foreach (decimal fee in fees.Values)
        {
            largest = Math.Max(largest, fee);
        }

        return largest;
    }
}
