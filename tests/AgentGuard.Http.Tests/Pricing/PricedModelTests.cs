using AgentGuard.Http.Pricing;

namespace AgentGuard.Http.Tests.Pricing;

public sealed class PricedModelTests
{
    public static TheoryData<string> AllModels => [.. PriceTable.Embedded.Models.Keys];

    [Theory]
    [MemberData(nameof(AllModels))]
    public void TryGetRates_Batch_IsHalfOfStandard(string model)
    {
        var priced = Resolve(model);

        Assert.True(priced.TryGetRates(ServiceTier.Standard, longContext: false, out var standard));
        Assert.True(priced.TryGetRates(ServiceTier.Batch, longContext: false, out var batch));

        Assert.Equal(standard.Input / 2, batch.Input);
        Assert.Equal(standard.CachedInput / 2, batch.CachedInput);
        Assert.Equal(standard.Output / 2, batch.Output);
    }

    [Theory]
    [MemberData(nameof(AllModels))]
    public void TryGetRates_Standard_IsTheListPrice(string model)
    {
        var priced = Resolve(model);

        Assert.True(priced.TryGetRates(ServiceTier.Standard, longContext: false, out var rates));

        Assert.Equal(priced.Price.InputUsdPerMillionTokens, rates.Input);
        Assert.Equal(priced.Price.CachedInputUsdPerMillionTokens ?? priced.Price.InputUsdPerMillionTokens, rates.CachedInput);
        Assert.Equal(priced.Price.OutputUsdPerMillionTokens, rates.Output);
    }

    [Theory]
    [InlineData("gpt-5")]
    [InlineData("gpt-5-mini")]
    [InlineData("gpt-5-nano")]
    [InlineData("gpt-5.4")]
    [InlineData("o3")]
    [InlineData("o4-mini")]
    public void TryGetRates_FlexOnModelsThatOfferIt_IsHalfOfStandard(string model)
    {
        var priced = Resolve(model);

        Assert.True(priced.TryGetRates(ServiceTier.Standard, longContext: false, out var standard));
        Assert.True(priced.TryGetRates(ServiceTier.Flex, longContext: false, out var flex));

        Assert.Equal(new TokenRates(standard.Input / 2, standard.CachedInput / 2, standard.Output / 2), flex);
    }

    [Theory]
    [InlineData("gpt-4o")]
    [InlineData("gpt-4o-mini")]
    [InlineData("gpt-4.1")]
    [InlineData("gpt-5.5")]
    [InlineData("gpt-5.2")]
    [InlineData("gpt-5.1")]
    [InlineData("o1")]
    [InlineData("o3-pro")]
    [InlineData("gpt-4")]
    [InlineData("gpt-3.5-turbo")]
    public void TryGetRates_FlexOnModelsThatDoNotOfferIt_IsUnknown(string model)
    {
        var priced = Resolve(model);

        Assert.False(priced.TryGetRates(ServiceTier.Flex, longContext: false, out var rates));
        Assert.Equal(default, rates);
    }

    [Theory]
    [InlineData("gpt-5", "2.0")]
    [InlineData("gpt-5.1", "2.0")]
    [InlineData("gpt-5.2", "2.0")]
    [InlineData("gpt-5.4", "2.0")]
    [InlineData("gpt-5.5", "2.0")]
    [InlineData("gpt-5-mini", "1.8")]
    [InlineData("gpt-4.1", "1.75")]
    [InlineData("gpt-4.1-mini", "1.75")]
    [InlineData("gpt-4.1-nano", "1.75")]
    [InlineData("o3", "1.75")]
    [InlineData("gpt-4o", "1.7")]
    [InlineData("gpt-4o-mini", "1.67")]
    [InlineData("o4-mini", "1.82")]
    public void TryGetRates_Priority_IsStandardTimesTheModelMultiplier(string model, string multiplierText)
    {
        decimal multiplier = decimal.Parse(multiplierText, System.Globalization.CultureInfo.InvariantCulture);
        var priced = Resolve(model);
        var price = priced.Price;

        Assert.True(priced.TryGetRates(ServiceTier.Priority, longContext: false, out var priority));

        Assert.Equal(price.InputUsdPerMillionTokens * multiplier, priority.Input);
        Assert.Equal((price.CachedInputUsdPerMillionTokens ?? price.InputUsdPerMillionTokens) * multiplier, priority.CachedInput);
        Assert.Equal(price.OutputUsdPerMillionTokens * multiplier, priority.Output);
    }

    [Fact]
    public void TryGetRates_PriorityGpt5_IsExactlyTwiceStandard()
    {
        Assert.True(Resolve("gpt-5").TryGetRates(ServiceTier.Priority, longContext: false, out var rates));

        Assert.Equal(new TokenRates(2.5m, 0.25m, 20m), rates);
    }

    [Fact]
    public void TryGetRates_PriorityGpt4oMini_IsNeverBelowThePublishedPriorityPrice()
    {
        // prices.md: gpt-4o-mini priority is 0.25 / 0.125 / 1.00; x1.67 rounds that up, never down.
        Assert.True(Resolve("gpt-4o-mini").TryGetRates(ServiceTier.Priority, longContext: false, out var rates));

        Assert.Equal(new TokenRates(0.2505m, 0.12525m, 1.002m), rates);
        Assert.True(rates.Input >= 0.25m && rates.CachedInput >= 0.125m && rates.Output >= 1.00m);
    }

    [Theory]
    [InlineData("gpt-5-nano")]
    [InlineData("o1")]
    [InlineData("o3-pro")]
    [InlineData("gpt-4o-2024-05-13")]
    [InlineData("gpt-4-turbo")]
    [InlineData("gpt-4")]
    [InlineData("gpt-3.5-turbo")]
    public void TryGetRates_PriorityWithoutPublishedPrice_IsUnknown(string model)
    {
        Assert.False(Resolve(model).TryGetRates(ServiceTier.Priority, longContext: false, out _));
    }

    [Theory]
    [InlineData("gpt-4", "30")]
    [InlineData("o3-pro", "20")]
    [InlineData("gpt-4o-2024-05-13", "5")]
    [InlineData("gpt-4-turbo", "10")]
    [InlineData("gpt-3.5-turbo", "0.5")]
    public void TryGetRates_NoCachedPrice_CachedInputBillsAtInputPrice(string model, string inputText)
    {
        decimal input = decimal.Parse(inputText, System.Globalization.CultureInfo.InvariantCulture);
        var priced = Resolve(model);

        Assert.True(priced.TryGetRates(ServiceTier.Standard, longContext: false, out var standard));
        Assert.True(priced.TryGetRates(ServiceTier.Batch, longContext: false, out var batch));

        Assert.Equal(input, standard.CachedInput);
        Assert.Equal(input / 2, batch.CachedInput);
    }

    [Fact]
    public void TryGetRates_CachedPriceSet_CachedInputBillsAtCachedPrice()
    {
        Assert.True(Resolve("gpt-4o").TryGetRates(ServiceTier.Standard, longContext: false, out var rates));

        Assert.Equal(1.25m, rates.CachedInput);
    }

    [Theory]
    [InlineData("gpt-5.4")]
    [InlineData("gpt-5.5")]
    public void IsLongContext_AboveTheThreshold_IsTrue(string model)
    {
        var priced = Resolve(model);

        Assert.False(priced.IsLongContext(0));
        // genai-prices: OpenAI lists the standard rates for prompts of fewer than 272K input tokens, so a prompt of exactly
        // 272,000 bills at the long-context rates (the hand table began them above 272,000).
        Assert.False(priced.IsLongContext(271_999));
        Assert.True(priced.IsLongContext(272_000));
        Assert.True(priced.IsLongContext(1_000_000));
    }

    [Theory]
    [InlineData("gpt-5")]
    [InlineData("gpt-4.1")]
    [InlineData("gpt-4o-mini")]
    public void IsLongContext_ModelWithoutLongContextPrice_IsNeverTrue(string model)
    {
        var priced = Resolve(model);

        Assert.False(priced.IsLongContext(272_001));
        Assert.False(priced.IsLongContext(10_000_000));
        Assert.True(priced.TryGetRates(ServiceTier.Standard, longContext: true, out var rates));
        Assert.Equal(priced.Price.InputUsdPerMillionTokens, rates.Input);
    }

    [Fact]
    public void TryGetRates_LongContextGpt54_BillsAtLongContextPrices()
    {
        var priced = Resolve("gpt-5.4");

        Assert.True(priced.TryGetRates(ServiceTier.Standard, longContext: true, out var rates));
        Assert.True(priced.TryGetRates(ServiceTier.Standard, longContext: false, out var shortRates));

        Assert.Equal(new TokenRates(5m, 0.5m, 22.5m), rates);
        Assert.Equal(new TokenRates(2.5m, 0.25m, 15m), shortRates);
    }

    [Fact]
    public void TryGetRates_LongContextGpt55_BillsAtLongContextPrices()
    {
        Assert.True(Resolve("gpt-5.5").TryGetRates(ServiceTier.Standard, longContext: true, out var rates));

        Assert.Equal(new TokenRates(10m, 1m, 45m), rates);
    }

    [Fact]
    public void TryGetRates_LongContextAtPriority_AppliesTheMultiplierToLongContextPrices()
    {
        Assert.True(Resolve("gpt-5.4").TryGetRates(ServiceTier.Priority, longContext: true, out var rates));

        Assert.Equal(new TokenRates(10m, 1m, 45m), rates);
    }

    [Fact]
    public void GetRates_UnknownTier_ThrowsNamingModelAndTier()
    {
        var priced = Resolve("gpt-4o-2024-08-06");

        var ex = Assert.Throws<UnknownModelPriceException>(() => priced.GetRates(ServiceTier.Flex, longContext: false, "gpt-4o-2024-08-06"));

        Assert.Equal("gpt-4o-2024-08-06", ex.Model);
        Assert.Contains("Flex", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'gpt-4o-2024-08-06'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'gpt-4o'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetRates_KnownTier_ReturnsTheSameRatesAsTryGetRates()
    {
        var priced = Resolve("o3");

        Assert.True(priced.TryGetRates(ServiceTier.Flex, longContext: false, out var expected));

        Assert.Equal(expected, priced.GetRates(ServiceTier.Flex, longContext: false, "o3"));
        Assert.Equal(new TokenRates(1m, 0.25m, 4m), expected);
    }

    private static PricedModel Resolve(string model)
    {
        Assert.True(PriceTable.Embedded.TryResolve(model, out var priced));
        return priced;
    }
}
