namespace AgentGuard.Http.Benchmarks.Support;

/// <summary>One chat call as an SDK makes it: a new request and Uri, headers first, then the whole answer read.</summary>
public static class Calls
{
    /// <summary>A non-streamed call: returns the answer's length.</summary>
    public static async Task<int> CompleteAsync(HttpClient client, string endpoint, byte[] body)
    {
        using var request = ChatRequests.Request(new Uri(endpoint), body);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadAsByteArrayAsync()).Length;
    }

    /// <summary>A streamed call read to its end through <paramref name="buffer"/>: returns the bytes read.</summary>
    public static async Task<long> StreamAsync(HttpClient client, string endpoint, byte[] body, byte[] buffer)
    {
        using var request = ChatRequests.Request(new Uri(endpoint), body);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync();
        long total = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            total += n;
        }

        return total;
    }

    /// <summary>A streamed call until its first bytes arrive (time to first byte); the rest is abandoned.</summary>
    public static async Task<int> FirstByteAsync(HttpClient client, string endpoint, byte[] body, byte[] buffer)
    {
        using var request = ChatRequests.Request(new Uri(endpoint), body);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync();
        return await stream.ReadAsync(buffer);
    }
}
