namespace AgentGuard.Http.Tests.Performance;

/// <summary>
/// The stream scan looks for the usage object with one vectorized search per line; whatever the spacing or the other
/// members of a chunk, it still finds the usage and settles from it (not in full).
/// </summary>
public sealed class SseUsageDetectionTests
{
    private const string Head = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(Head + "\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":3}}\n\n")]
    [InlineData(Head + "\"choices\":[],\"usage\" : { \"prompt_tokens\":10,\"completion_tokens\":3}}\n\n")]
    [InlineData(Head + "\"choices\":[],\"usage\":\t{\"prompt_tokens\":10,\"completion_tokens\":3}}\r\n\r\n")]
    [InlineData(Head + "\"note\":\"usage\",\"kind\":{\"usage\":null},\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":3}}\n\n")]
    [InlineData("data:{\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":3},\"choices\":[]}\n\n")]
    public async Task UsageChunk_AnySpacingOrNeighbours_SettlesFromUsage(string usageChunk)
    {
        var (invoker, session) = InMemoryOpenAI.Guarded(InMemoryOpenAI.EventStream(5, usageChunk));
        using (invoker)
        {
            using var request = InMemoryOpenAI.Request(InMemoryOpenAI.StreamingBody());
            using var response = await invoker.SendAsync(request, Ct);
            await response.Content.ReadAsStringAsync(Ct);

            // 10 input and 3 output tokens of gpt-4o-mini: 3.3 micro-dollars, rounded up.
            Assert.Equal(0m, session.GetReserved());
            Assert.Equal(0.000004m, session.GetTotalSpent());
        }
    }

    [Theory]
    [InlineData(Head + "\"choices\":[],\"usage\":null}\n\n")]
    [InlineData(Head + "\"choices\":[],\"usage\":\"{\"}\n\n")]
    [InlineData(Head + "\"choices\":[],\"usages\":{\"prompt_tokens\":10,\"completion_tokens\":3}}\n\n")]
    public async Task NoUsageObject_IsChargedInFull(string lastChunk)
    {
        var (invoker, session) = InMemoryOpenAI.Guarded(InMemoryOpenAI.EventStream(5, lastChunk));
        using (invoker)
        {
            using var request = InMemoryOpenAI.Request(InMemoryOpenAI.StreamingBody());
            using var response = await invoker.SendAsync(request, Ct);
            decimal reserved = session.GetReserved();

            await response.Content.ReadAsStringAsync(Ct);

            Assert.Equal(reserved, session.GetTotalSpent());
        }
    }
}
