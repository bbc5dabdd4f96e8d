using AgentGuard.Http.Settlement;

namespace AgentGuard.Http.Providers;

/// <summary>
/// An operation's dialect of server-sent events, for one stream: which <c>data:</c> payloads carry usage, when the usage
/// seen is the stream's last word, and which events the caller does not see (a usage chunk the guard asked for). The
/// framing (lines split across reads, held lines, what reaches the caller) is <see cref="SseUsageStream"/>'s; a reader sees
/// whole payloads only.
/// </summary>
internal abstract class StreamUsageReader
{
    /// <summary>
    /// The JSON member name, with its closing quote, whose object value carries usage (<c>usage"</c>): payloads without it
    /// are not handed to <see cref="OnData"/> while <see cref="ReadsEveryLine"/> is <see langword="false"/>.
    /// </summary>
    public virtual ReadOnlySpan<byte> UsageKey => "usage\""u8;

    /// <summary>The longest line that can carry usage: a longer line is content, passed on without being held.</summary>
    public virtual int MaxUsageLineBytes => 16 * 1024;

    /// <summary>The usage seen so far, or <see langword="null"/>.</summary>
    public TokenUsage? Usage { get; protected set; }

    /// <summary>Whether <see cref="Usage"/> is the stream's last word: the stream may be settled from it.</summary>
    public bool UsageIsFinal { get; protected set; }

    /// <summary>Whether every payload must be read now: a usage was seen that a later event may change or make final.</summary>
    public bool ReadsEveryLine => Usage is not null && !UsageIsFinal;

    /// <summary>Reads one event's <c>data:</c> payload.</summary>
    /// <param name="data">The payload, without <c>data:</c> and the line end.</param>
    /// <param name="strip">Whether the guard asked for the stream's usage itself, so that its usage event is not the caller's.</param>
    /// <returns>Whether the event is removed from what the caller reads (only ever in strip mode).</returns>
    public abstract bool OnData(ReadOnlySpan<byte> data, bool strip);

    /// <summary>
    /// Where a member named <paramref name="key"/> (with its closing quote) with an object value starts, or -1: a cheap test
    /// before parsing, since most events carry no usage (or <c>"usage":null</c>). The search is for <c>usage"</c>, whose first
    /// and last bytes rarely stand five apart in JSON, so the vectorized search seldom stops on a false candidate.
    /// </summary>
    public static int IndexOfObjectMember(ReadOnlySpan<byte> data, ReadOnlySpan<byte> key)
    {
        int offset = 0;
        int at;
        while ((at = data[offset..].IndexOf(key)) >= 0)
        {
            at += offset;
            offset = at + key.Length;
            var value = data[offset..].TrimStart(" \t"u8);
            if (at > 0 && data[at - 1] == (byte)'"' && value is [(byte)':', ..] && value[1..].TrimStart(" \t"u8) is [(byte)'{', ..])
            {
                return at;
            }
        }

        return -1;
    }
}
