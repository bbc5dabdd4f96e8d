using AgentGuard.Http.Providers.OpenAI;

namespace AgentGuard.Http.Tests.Settlement;

public sealed class ResponseTokenCacheTests
{
    [Fact]
    public void TryGet_RememberedId_ReturnsItsTokens()
    {
        var cache = new ResponseTokenCache();
        cache.Remember("resp_1", 1_234);

        Assert.True(cache.TryGet("resp_1", out long tokens));
        Assert.Equal(1_234, tokens);
        Assert.False(cache.TryGet("resp_2", out _));
    }

    [Fact]
    public void Remember_AtCapacity_ForgetsTheOldestFirst()
    {
        var cache = new ResponseTokenCache(capacity: 3);
        foreach (int i in Enumerable.Range(1, 5))
        {
            cache.Remember($"resp_{i}", i);
        }

        Assert.Equal(3, cache.Count);
        Assert.False(cache.TryGet("resp_1", out _));
        Assert.False(cache.TryGet("resp_2", out _));
        Assert.True(cache.TryGet("resp_5", out long last));
        Assert.Equal(5, last);
    }

    [Fact]
    public void Remember_TheSameIdTwice_KeepsOneEntryWithTheLargerCount()
    {
        var cache = new ResponseTokenCache(capacity: 2);
        cache.Remember("resp_1", 10);
        cache.Remember("resp_1", 7);
        cache.Remember("resp_2", 1);

        Assert.Equal(2, cache.Count);
        Assert.True(cache.TryGet("resp_1", out long tokens));
        Assert.Equal(10, tokens);
    }

    [Fact]
    public void Remember_Concurrently_NeverHoldsMoreThanItsCapacity()
    {
        var cache = new ResponseTokenCache(capacity: 100);

        Parallel.For(0, 10_000, i => cache.Remember($"resp_{i}", i));

        Assert.Equal(100, cache.Count);
    }

    [Fact]
    public void Capacity_OfABudget_IsTenThousand() => Assert.Equal(10_000, ResponseTokenCache.DefaultCapacity);
}
