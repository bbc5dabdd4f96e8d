namespace AgentGuard.Http.Providers;

/// <summary>How providers name the endpoints below their API root: the names users allow unbounded endpoints by.</summary>
internal static class RouteNames
{
    /// <summary>The path with ids replaced by <c>{id}</c>, lower case: <c>vector_stores/vs_abc123/files</c> is <c>vector_stores/{id}/files</c>.</summary>
    public static string NameOf(string relative)
    {
        var segments = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < segments.Length; i++)
        {
            segments[i] = IsId(segments[i]) ? "{id}" : segments[i].ToLowerInvariant();
        }

        return string.Join('/', segments);
    }

    /// <summary>Whether a path ends with <paramref name="segments"/>, whole segments only (<c>x/chat/completions</c>, not <c>xchat/completions</c>).</summary>
    public static bool EndsWithSegments(ReadOnlySpan<char> path, string segments) =>
        path.EndsWith(segments, StringComparison.OrdinalIgnoreCase)
        && (path.Length == segments.Length || path[path.Length - segments.Length - 1] == '/');

    /// <summary>
    /// Route words are short lower-case words with underscores (<c>fine_tuning</c>, <c>input_tokens</c>); ids carry
    /// digits, capitals or dashes (<c>resp_68af…</c>, <c>file-Abc…</c>), or are long.
    /// </summary>
    public static bool IsId(ReadOnlySpan<char> segment)
    {
        if (segment.IsEmpty)
        {
            return false;
        }

        if (segment.Length > 24)
        {
            return true;
        }

        foreach (char c in segment)
        {
            if (c is not ((>= 'a' and <= 'z') or '_'))
            {
                return true;
            }
        }

        return false;
    }
}
