namespace AgentGuard.Http.Tests.Performance;

/// <summary>
/// Reading a stream through the guard allocates nothing per chunk: what a stream of 10,000 events allocates is what
/// a stream of 100 events allocates. Allocations are deterministic where time is not (no test here measures time);
/// the heap is collected before each measured read loop, and each size keeps its least of three runs.
/// </summary>
public sealed class StreamAllocationTests
{
    private const int ShortStream = 100;
    private const int LongStream = 10_000;

    // Far less than one byte per event of the long stream.
    private const long Tolerance = 256;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ReadingAsync_LongStream_AllocatesNoMoreThanAShortOne(bool callerAsksForUsage)
    {
        long shortStream = long.MaxValue, longStream = long.MaxValue;
        for (int run = 0; run < 3; run++)
        {
            shortStream = Math.Min(shortStream, await AllocatedWhileReadingAsync(ShortStream, callerAsksForUsage));
            longStream = Math.Min(longStream, await AllocatedWhileReadingAsync(LongStream, callerAsksForUsage));
        }

        Assert.True(longStream - shortStream < Tolerance, $"{ShortStream} events allocated {shortStream} B, {LongStream} events {longStream} B");
    }

    [Fact]
    public void ReadingSync_LongStream_AllocatesNoMoreThanAShortOne()
    {
        long shortStream = long.MaxValue, longStream = long.MaxValue;
        for (int run = 0; run < 3; run++)
        {
            shortStream = Math.Min(shortStream, AllocatedWhileReadingSync(ShortStream));
            longStream = Math.Min(longStream, AllocatedWhileReadingSync(LongStream));
        }

        Assert.True(longStream - shortStream < Tolerance, $"{ShortStream} events allocated {shortStream} B, {LongStream} events {longStream} B");
    }

    // A collection during the measured reads would shift the thread's count by the rest of its allocation context.
    private static void SettleTheHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static async Task<long> AllocatedWhileReadingAsync(int events, bool callerAsksForUsage)
    {
        var (invoker, session) = InMemoryOpenAI.Guarded(InMemoryOpenAI.EventStream(events));
        using (invoker)
        {
            using var request = InMemoryOpenAI.Request(InMemoryOpenAI.StreamingBody(callerAsksForUsage));
            using var response = await invoker.SendAsync(request, Ct);
            await using var stream = await response.Content.ReadAsStreamAsync(Ct);
            var buffer = new byte[4096];

            SettleTheHeap();
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
            Assert.True(session.GetTotalSpent() > 0m);
            return allocated;
        }
    }

    private static long AllocatedWhileReadingSync(int events)
    {
        var (invoker, session) = InMemoryOpenAI.Guarded(InMemoryOpenAI.EventStream(events));
        using (invoker)
        {
            using var request = InMemoryOpenAI.Request(InMemoryOpenAI.StreamingBody());
            using var response = invoker.Send(request, Ct);
            using var stream = response.Content.ReadAsStream(Ct);
            var buffer = new byte[4096];

            SettleTheHeap();
            long before = GC.GetAllocatedBytesForCurrentThread();
            while (stream.Read(buffer, 0, buffer.Length) > 0)
            {
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(0m, session.GetReserved());
            Assert.True(session.GetTotalSpent() > 0m);
            return allocated;
        }
    }
}
