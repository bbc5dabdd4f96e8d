using AgentGuard.Http.Pricing;

namespace AgentGuard.Http.Tests.Pricing;

public sealed class ModelPriceRulesTests
{
    [Fact]
    public void Validate_ValidPrice_IsNull()
    {
        Assert.Null(ModelPriceRules.Validate("m", Valid()));
        Assert.Null(ModelPriceRules.Validate("m", Valid(p => p.MaxOutputTokens = p.ContextWindowTokens)));
        Assert.Null(ModelPriceRules.Validate("m", Valid(p => p.InputUsdPerMillionTokens = 0)));
        Assert.Null(ModelPriceRules.Validate("m", Valid(p => p.Encoding = "cl100k_base")));
        Assert.Null(ModelPriceRules.Validate("m", Valid(p => p.TierMultipliers = null!)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void Validate_EmptyModelName_IsAnError(string model)
    {
        Assert.Equal("a price has an empty model name.", ModelPriceRules.Validate(model, Valid()));
    }

    [Fact]
    public void Validate_NullPrice_IsAnErrorNamingTheModel()
    {
        Assert.Equal("model 'm' has no price.", ModelPriceRules.Validate("m", null));
    }

    public static TheoryData<string, string> InvalidPrices => new()
    {
        { "input", "negative price" },
        { "cached", "negative price" },
        { "output", "negative price" },
        { "context", "context window greater than zero" },
        { "maxOutputNegative", "max output between 0 and its context window (1000)" },
        { "maxOutputAboveContext", "max output between 0 and its context window (1000)" },
        { "encoding", "unknown encoding 'r50k_base'" },
        { "multiplier", "Batch tier multiplier greater than zero" },
        { "longContextThreshold", "invalid long-context price" },
        { "longContextPrice", "invalid long-context price" },
        { "longContextCached", "invalid long-context price" },
    };

    [Theory]
    [MemberData(nameof(InvalidPrices))]
    public void Validate_InvalidPrice_IsAnErrorNamingModelAndProblem(string breakage, string problem)
    {
        var price = Valid(p =>
        {
            switch (breakage)
            {
                case "input": p.InputUsdPerMillionTokens = -0.01m; break;
                case "cached": p.CachedInputUsdPerMillionTokens = -1m; break;
                case "output": p.OutputUsdPerMillionTokens = -1m; break;
                case "context": p.ContextWindowTokens = 0; p.MaxOutputTokens = 0; break;
                case "maxOutputNegative": p.MaxOutputTokens = -1; break;
                case "maxOutputAboveContext": p.MaxOutputTokens = 1001; break;
                case "encoding": p.Encoding = "r50k_base"; break;
                case "multiplier": p.TierMultipliers[ServiceTier.Batch] = 0m; break;
                case "longContextThreshold": p.LongContext = new LongContextPrice { AboveInputTokens = 0, InputUsdPerMillionTokens = 1, OutputUsdPerMillionTokens = 1 }; break;
                case "longContextPrice": p.LongContext = new LongContextPrice { AboveInputTokens = 10, InputUsdPerMillionTokens = 1, OutputUsdPerMillionTokens = -1 }; break;
                case "longContextCached": p.LongContext = new LongContextPrice { AboveInputTokens = 10, InputUsdPerMillionTokens = 1, CachedInputUsdPerMillionTokens = -1, OutputUsdPerMillionTokens = 1 }; break;
                default: throw new ArgumentOutOfRangeException(nameof(breakage));
            }
        });

        string? error = ModelPriceRules.Validate("my-model", price);

        Assert.NotNull(error);
        Assert.Contains("'my-model'", error, StringComparison.Ordinal);
        Assert.Contains(problem, error, StringComparison.Ordinal);
    }

    private static ModelPrice Valid(Action<ModelPrice>? change = null)
    {
        var price = new ModelPrice
        {
            InputUsdPerMillionTokens = 1m,
            CachedInputUsdPerMillionTokens = 0.5m,
            OutputUsdPerMillionTokens = 2m,
            ContextWindowTokens = 1000,
            MaxOutputTokens = 100,
            Encoding = "o200k_base",
            TierMultipliers = new Dictionary<ServiceTier, decimal> { [ServiceTier.Batch] = 0.5m },
        };
        change?.Invoke(price);
        return price;
    }
}
