using AgentGuard.Http.Pricing;

namespace AgentGuard.Http.Tests.Pricing;

/// <summary>Cache write prices: uncached input whose writes are not reported bills at the highest of input and write.</summary>
public sealed class CacheWriteRatesTests
{
    [Fact]
    public void TryGetRates_ModelWithCacheWrites_BoundsUncachedInputAtTheHighest()
    {
        // gpt-5.6-sol: cache writes bill at 1.25x input, and OpenAI's usage does not say which tokens were written.
        Assert.True(PriceTable.Embedded.TryResolve("gpt-5.6-sol", out var priced));
        Assert.True(priced.TryGetRates(ServiceTier.Standard, longContext: false, out var rates));

        Assert.Equal(4m, rates.Input);
        Assert.Equal(5m, rates.CacheWrite);
        Assert.Equal(5m, rates.UncachedInput);
        Assert.Equal((1_000 * 5m) + (100 * 0.4m) + (10 * 20m), rates.CostMicros(1_000, 100, 10));
    }

    [Fact]
    public void TryGetRates_AnthropicModel_HasBothCacheWritesAtTheTierAndAboveTheThreshold()
    {
        Assert.True(PriceTable.Embedded.TryResolve("claude-sonnet-4-5-20250929", out var priced));
        Assert.True(priced.TryGetRates(ServiceTier.Batch, longContext: false, out var batch));
        Assert.True(priced.TryGetRates(ServiceTier.Standard, longContext: true, out var longContext));

        Assert.Equal((1.5m, 1.875m, 3m), (batch.Input, batch.CacheWrite, batch.CacheWrite1h));
        Assert.Equal(3m, batch.UncachedInput);
        Assert.Equal((6m, 7.5m, 12m, 0.6m), (longContext.Input, longContext.CacheWrite, longContext.CacheWrite1h, longContext.CachedInput));
        Assert.True(priced.IsLongContext(200_001));
    }

    [Fact]
    public void CostMicrosWithCacheWrites_ReportedWrites_BillEachAtItsRate()
    {
        var rates = new TokenRates(3m, 0.3m, 15m) { CacheWrite = 3.75m, CacheWrite1h = 6m };

        Assert.Equal((100 * 3m) + (200 * 0.3m) + (300 * 3.75m) + (400 * 6m) + (10 * 15m), rates.CostMicrosWithCacheWrites(100, 200, 300, 400, 10));
        Assert.Equal(3m, new TokenRates(3m, 0.3m, 15m).UncachedInput);
    }

    [Fact]
    public void Validate_NegativeCacheWrite_IsAnError()
    {
        var price = new ModelPrice { InputUsdPerMillionTokens = 1, OutputUsdPerMillionTokens = 1, ContextWindowTokens = 10, MaxOutputTokens = 1, CacheWrite1hUsdPerMillionTokens = -1 };

        Assert.Equal("model 'm' has a negative price.", ModelPriceRules.Validate("m", price));
    }
}
