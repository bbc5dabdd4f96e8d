namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// Chat Completions and legacy Completions streams: usage comes in a chunk of its own (<c>"choices": []</c>) just before
/// <c>data: [DONE]</c>, when the request asked for it (<c>stream_options.include_usage</c>). OpenAI-compatible servers may
/// send usage beside choices instead, which may still grow: then only <c>[DONE]</c> makes it final.
/// </summary>
internal sealed class ChatStreamUsageReader : StreamUsageReader
{
    public override bool OnData(ReadOnlySpan<byte> data, bool strip)
    {
        if (data.SequenceEqual("[DONE]"u8))
        {
            UsageIsFinal = Usage is not null;
            return false;
        }

        if (IndexOfObjectMember(data, UsageKey) < 0 || !UsageReader.TryRead(data, out var usage, out bool noChoices))
        {
            return false;
        }

        Usage = usage;
        UsageIsFinal |= noChoices;

        // The usage-only chunk the guard asked for is not the caller's.
        return strip && noChoices;
    }
}
