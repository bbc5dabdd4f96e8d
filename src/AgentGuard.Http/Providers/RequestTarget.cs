namespace AgentGuard.Http.Providers;

/// <summary>Where a request goes, taken apart once for every provider that looks at it.</summary>
/// <param name="IsPost">Whether the method is POST (else GET: other methods never reach a provider).</param>
/// <param name="Host">The host, lower case, without the port; empty for a relative URI.</param>
/// <param name="Path">The path, without the query.</param>
/// <param name="Query">The query, with its <c>?</c> when there is one.</param>
internal readonly record struct RequestTarget(bool IsPost, string Host, string Path, string Query)
{
    /// <summary>The target of a POST or GET, or <see langword="null"/> for a request no provider routes.</summary>
    public static RequestTarget? Of(HttpRequestMessage request)
    {
        if (request.RequestUri is not { } uri)
        {
            return null;
        }

        bool post = request.Method == HttpMethod.Post;
        if (!post && request.Method != HttpMethod.Get)
        {
            return null;
        }

        if (uri.IsAbsoluteUri)
        {
            return new RequestTarget(post, uri.Host, uri.AbsolutePath, uri.Query);
        }

        string relative = uri.OriginalString;
        int query = relative.IndexOf('?');
        return query < 0
            ? new RequestTarget(post, "", relative, "")
            : new RequestTarget(post, "", relative[..query], relative[query..]);
    }
}
