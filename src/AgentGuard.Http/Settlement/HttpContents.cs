namespace AgentGuard.Http.Settlement;

/// <summary>Reading a whole (small, non-streamed) body, and putting an equivalent content back in its place.</summary>
internal static class HttpContents
{
    public static async ValueTask<byte[]> ReadAllAsync(HttpContent content, bool async, CancellationToken cancellationToken)
    {
        using var stream = async ? await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false) : content.ReadAsStream(cancellationToken);
        long? length = content.Headers.ContentLength;
        if (length is { } known && known <= Array.MaxLength)
        {
            var exact = new byte[known];
            int read = 0;
            while (read < exact.Length)
            {
                int n = async
                    ? await stream.ReadAsync(exact.AsMemory(read), cancellationToken).ConfigureAwait(false)
                    : stream.Read(exact.AsSpan(read));
                if (n == 0)
                {
                    return exact[..read];
                }

                read += n;
            }

            return exact;
        }

        using var copy = new MemoryStream();
        if (async)
        {
            await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            stream.CopyTo(copy);
        }

        return copy.ToArray();
    }

    /// <summary>A content holding <paramref name="body"/> with the original's headers (its length recomputed).</summary>
    public static HttpContent? Replace(HttpContent? original, byte[] body)
    {
        if (original is null && body.Length == 0)
        {
            return null;
        }

        var replacement = new ByteArrayContent(body);
        MoveHeaders(original, replacement);
        return replacement;
    }

    /// <summary>Copies the headers of <paramref name="original"/> but its length to <paramref name="replacement"/>, and disposes the original.</summary>
    public static void MoveHeaders(HttpContent? original, HttpContent replacement)
    {
        CopyHeaders(original, replacement);
        original?.Dispose();
    }

    /// <summary>
    /// Copies the headers of <paramref name="original"/> but its length to <paramref name="replacement"/>. The original is
    /// left as it is: a request's content may be shared by copies of the request (hedging sends several), which read it again.
    /// </summary>
    public static void CopyHeaders(HttpContent? original, HttpContent replacement)
    {
        if (original is null)
        {
            return;
        }

        // The non-validated view copies the values as they are, without parsing them again.
        foreach (var header in original.Headers.NonValidated)
        {
            if (header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (header.Value.Count == 1)
            {
                replacement.Headers.TryAddWithoutValidation(header.Key, header.Value.ToString());
            }
            else
            {
                replacement.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }
    }
}
