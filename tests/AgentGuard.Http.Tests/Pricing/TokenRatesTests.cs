using AgentGuard.Http.Pricing;

namespace AgentGuard.Http.Tests.Pricing;

public sealed class TokenRatesTests
{
    [Theory]
    [InlineData("1.0000001", 2)]
    [InlineData("3", 3)]
    [InlineData("0", 0)]
    [InlineData("0.0000000001", 1)]
    [InlineData("2.5", 3)]
    [InlineData("999999.999", 1_000_000)]
    public void RoundUp_Micros_RoundsUpToWholeMicros(string micros, long expected)
    {
        Assert.Equal(expected, TokenRates.RoundUp(decimal.Parse(micros, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void CostMicros_EachKindOfToken_IsCountTimesItsRate()
    {
        var rates = new TokenRates(0.15m, 0.075m, 0.6m);

        Assert.Equal(1.5m, rates.CostMicros(10, 0, 0));
        Assert.Equal(0.375m, rates.CostMicros(0, 5, 0));
        Assert.Equal(1.2m, rates.CostMicros(0, 0, 2));
        Assert.Equal(3.075m, rates.CostMicros(10, 5, 2));
        Assert.Equal(0m, rates.CostMicros(0, 0, 0));
    }

    [Fact]
    public void CostMicros_MillionTokens_IsTheUsdPricePerMillionInMicros()
    {
        var rates = new TokenRates(2.5m, 1.25m, 10m);

        // 1M input at $2.50/M is $2.50 = 2,500,000 micro-dollars.
        Assert.Equal(2_500_000m, rates.CostMicros(1_000_000, 0, 0));
        Assert.Equal(1_250_000m, rates.CostMicros(0, 1_000_000, 0));
        Assert.Equal(10_000_000m, rates.CostMicros(0, 0, 1_000_000));
    }

    [Fact]
    public void CostMicros_LargeCounts_StaysExact()
    {
        var rates = new TokenRates(0.175m, 0.0175m, 14m);

        Assert.Equal(175_000_000_000.1750m + 17_500_000_000.0175m + 14_000_000_000_014m,
            rates.CostMicros(1_000_000_000_001, 1_000_000_000_001, 1_000_000_000_001));
    }
}
