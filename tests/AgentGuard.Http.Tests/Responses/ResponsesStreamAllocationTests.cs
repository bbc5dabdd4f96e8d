using System.Text;
using AgentGuard.FakeOpenAI;

namespace AgentGuard.Http.Tests.Responses;

/// <summary>
/// Reading a Responses stream through the guard allocates nothing per event, like a chat stream (see
/// Performance/StreamAllocationTests): what 10,000 text deltas allocate is what 100 allocate; only the terminal
/// event, which carries the usage, is parsed.
/// </summary>
public sealed class ResponsesStreamAllocationTests
{
    private const int ShortStream = 100;
    private const int LongStream = 10_000;
    private const long Tolerance = 256;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReadingAsync_LongResponsesStream_AllocatesNoMoreThanAShortOne()
    {
        long shortStream = long.MaxValue, longStream = long.MaxValue;
        for (int run = 0; run < 3; run++)
        {
            shortStream = Math.Min(shortStream, await AllocatedWhileReadingAsync(ShortStream));
            longStream = Math.Min(longStream, await AllocatedWhileReadingAsync(LongStream));
        }

        Assert.True(longStream - shortStream < Tolerance, $"{ShortStream} events allocated {shortStream} B, {LongStream} events {longStream} B");
    }

    private static async Task<long> AllocatedWhileReadingAsync(int deltas)
    {
        var options = new AgentGuardOptions { BudgetUsd = 1_000m, BudgetName = "performance" };
        var session = BudgetedSession.Create(options);
        using var invoker = new HttpMessageInvoker(new BudgetGuardHandler(session, options) { InnerHandler = InMemoryOpenAIHandler.EventStream(EventStream(deltas)) });
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/responses")
        {
            Content = new StringContent("""{"model":"gpt-4o-mini","input":"Hello","max_output_tokens":100,"stream":true}""", Encoding.UTF8, "application/json"),
        };
        using var response = await invoker.SendAsync(request, Ct);
        await using var stream = await response.Content.ReadAsStreamAsync(Ct);
        var buffer = new byte[4096];

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var read = stream.ReadAsync(buffer, Ct);
        while (true)
        {
            // Every read completes at once here, so the whole loop runs on this thread.
            Assert.True(read.IsCompleted);
            if (await read == 0)
            {
                break;
            }

            read = stream.ReadAsync(buffer, Ct);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0m, session.GetReserved());

        // gpt-4o-mini: 10 x 0.15 + 57 x 0.6 = 35.7, rounded up to 36 micro-dollars.
        Assert.Equal(0.000036m, session.GetTotalSpent());
        return allocated;
    }

    /// <summary>created, in_progress, text deltas, then response.completed with the usage (10 input, 57 output tokens).</summary>
    private static string EventStream(int deltas)
    {
        const string Response = "{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"in_progress\",\"model\":\"gpt-4o-mini\",\"output\":[],\"usage\":null}";
        var text = new StringBuilder();
        text.Append("event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":").Append(Response).Append("}\n\n");
        text.Append("event: response.in_progress\ndata: {\"type\":\"response.in_progress\",\"sequence_number\":1,\"response\":").Append(Response).Append("}\n\n");
        for (int i = 0; i < deltas; i++)
        {
            text.Append("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":2,\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\" word\",\"logprobs\":[]}\n\n");
        }

        text.Append("event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":3,\"response\":")
            .Append("{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"completed\",\"model\":\"gpt-4o-mini\",\"output\":[{\"type\":\"message\",\"id\":\"msg_1\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"words\",\"annotations\":[]}]}],")
            .Append("\"usage\":{\"input_tokens\":10,\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":57,\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":67}}}\n\n");
        return text.ToString();
    }
}
