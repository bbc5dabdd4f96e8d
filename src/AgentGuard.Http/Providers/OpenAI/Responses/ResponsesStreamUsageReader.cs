namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// Responses streams have no <c>[DONE]</c>: the terminal event (<c>response.completed</c>, <c>response.incomplete</c>,
/// <c>response.failed</c>) carries the whole response, its output beside its usage, and is the last word on the bill.
/// </summary>
internal sealed class ResponsesStreamUsageReader : StreamUsageReader
{
    /// <summary>The terminal event carries all the response's output text beside its usage.</summary>
    public override int MaxUsageLineBytes => 8 * 1024 * 1024;

    public override bool OnData(ReadOnlySpan<byte> data, bool strip)
    {
        if (IndexOfObjectMember(data, UsageKey) >= 0 && UsageReader.TryReadTerminalEvent(data, out var final))
        {
            Usage = final;
            UsageIsFinal = true;
        }

        return false;
    }
}
