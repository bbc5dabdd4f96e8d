using AgentGuard.Http.Pricing;

namespace AgentGuard.Http.Tests.Pricing;

public sealed class PriceTableTests
{
    /// <summary>Every chat model of prices.md: input, cached input (null for "–"), output, context window, max output, max input.</summary>
    public static TheoryData<string, decimal, decimal?, decimal, int, int, int?> ChatModels => new()
    {
        { "gpt-5.5", 5.00m, 0.50m, 30.00m, 1_050_000, 128_000, null },
        { "gpt-5.4", 2.50m, 0.25m, 15.00m, 1_050_000, 128_000, null },
        { "gpt-5.2", 1.75m, 0.175m, 14.00m, 400_000, 128_000, 272_000 },
        { "gpt-5.1", 1.25m, 0.125m, 10.00m, 400_000, 128_000, 272_000 },
        { "gpt-5", 1.25m, 0.125m, 10.00m, 400_000, 128_000, 272_000 },
        { "gpt-5-mini", 0.25m, 0.025m, 2.00m, 400_000, 128_000, 272_000 },
        { "gpt-5-nano", 0.05m, 0.005m, 0.40m, 400_000, 128_000, 272_000 },
        { "gpt-4.1", 2.00m, 0.50m, 8.00m, 1_047_576, 32_768, null },
        { "gpt-4.1-mini", 0.40m, 0.10m, 1.60m, 1_047_576, 32_768, null },
        { "gpt-4.1-nano", 0.10m, 0.025m, 0.40m, 1_047_576, 32_768, null },
        { "gpt-4o", 2.50m, 1.25m, 10.00m, 128_000, 16_384, null },
        { "gpt-4o-2024-05-13", 5.00m, null, 15.00m, 128_000, 4_096, null },
        { "gpt-4o-mini", 0.15m, 0.075m, 0.60m, 128_000, 16_384, null },
        { "o1", 15.00m, 7.50m, 60.00m, 200_000, 100_000, null },
        { "o3", 2.00m, 0.50m, 8.00m, 200_000, 100_000, null },
        { "o3-pro", 20.00m, null, 80.00m, 200_000, 100_000, null },
        // Azure bills o4-mini's cached input at 0.28 (genai-prices' azure data): one entry per name, at the higher price.
        { "o4-mini", 1.10m, 0.28m, 4.40m, 200_000, 100_000, null },
        { "gpt-4-turbo", 10.00m, null, 30.00m, 128_000, 4_096, null },
        { "gpt-4", 30.00m, null, 60.00m, 8_192, 4_096, null },
        { "gpt-3.5-turbo", 0.50m, null, 1.50m, 16_385, 4_096, null },
    };

    /// <summary>The legacy completions models of prices.md: input, output, context window, max output.</summary>
    public static TheoryData<string, decimal, decimal, int, int> LegacyCompletionModels => new()
    {
        { "gpt-3.5-turbo-instruct", 1.50m, 2.00m, 4_096, 4_096 },
        { "davinci-002", 2.00m, 2.00m, 16_384, 16_384 },
        { "babbage-002", 0.40m, 0.40m, 16_384, 16_384 },
    };

    /// <summary>The embedding models of prices.md: input price (they have no output).</summary>
    public static TheoryData<string, decimal> EmbeddingModels => new()
    {
        { "text-embedding-3-small", 0.02m },
        { "text-embedding-3-large", 0.13m },
        { "text-embedding-ada-002", 0.10m },
    };

    /// <summary>
    /// The image rule of every vision model: tiles (base, per tile) or patches (multiplier). The gpt-5 family (70/140)
    /// and the o-series (75/150) are given gpt-4o's larger 85/170, which bounds them.
    /// </summary>
    public static TheoryData<string, ImageTokenKind, int, int, decimal> ImageRules => new()
    {
        { "gpt-5.5", ImageTokenKind.Tiles, 85, 170, 0m },
        { "gpt-5.4", ImageTokenKind.Tiles, 85, 170, 0m },
        { "gpt-5.2", ImageTokenKind.Tiles, 85, 170, 0m },
        { "gpt-5.1", ImageTokenKind.Tiles, 85, 170, 0m },
        { "gpt-5", ImageTokenKind.Tiles, 85, 170, 0m },
        { "gpt-4.1", ImageTokenKind.Tiles, 85, 170, 0m },
        { "gpt-4o", ImageTokenKind.Tiles, 85, 170, 0m },
        { "gpt-4o-2024-05-13", ImageTokenKind.Tiles, 85, 170, 0m },
        { "o1", ImageTokenKind.Tiles, 85, 170, 0m },
        { "o3", ImageTokenKind.Tiles, 85, 170, 0m },
        { "o3-pro", ImageTokenKind.Tiles, 85, 170, 0m },
        { "gpt-4-turbo", ImageTokenKind.Tiles, 85, 170, 0m },
        { "gpt-4o-mini", ImageTokenKind.Tiles, 2833, 5667, 0m },
        { "gpt-4.1-mini", ImageTokenKind.Patches, 0, 0, 1.62m },
        { "gpt-5-mini", ImageTokenKind.Patches, 0, 0, 1.62m },
        { "gpt-4.1-nano", ImageTokenKind.Patches, 0, 0, 2.46m },
        { "gpt-5-nano", ImageTokenKind.Patches, 0, 0, 2.46m },
        { "o4-mini", ImageTokenKind.Patches, 0, 0, 1.72m },
    };

    /// <summary>The encodings of openai-billing.md.</summary>
    public static TheoryData<string, string> Encodings => new()
    {
        { "gpt-5.5", "o200k_base" },
        { "gpt-5.4", "o200k_base" },
        { "gpt-5.2", "o200k_base" },
        { "gpt-5.1", "o200k_base" },
        { "gpt-5", "o200k_base" },
        { "gpt-5-mini", "o200k_base" },
        { "gpt-5-nano", "o200k_base" },
        { "gpt-4.1", "o200k_base" },
        { "gpt-4.1-mini", "o200k_base" },
        { "gpt-4.1-nano", "o200k_base" },
        { "gpt-4o", "o200k_base" },
        { "gpt-4o-2024-05-13", "o200k_base" },
        { "gpt-4o-mini", "o200k_base" },
        { "o1", "o200k_base" },
        { "o3", "o200k_base" },
        { "o3-pro", "o200k_base" },
        { "o4-mini", "o200k_base" },
        { "gpt-4-turbo", "cl100k_base" },
        { "gpt-4", "cl100k_base" },
        { "gpt-3.5-turbo", "cl100k_base" },
        { "gpt-3.5-turbo-instruct", "cl100k_base" },
        { "davinci-002", "cl100k_base" },
        { "babbage-002", "cl100k_base" },
        { "text-embedding-3-small", "cl100k_base" },
        { "text-embedding-3-large", "cl100k_base" },
        { "text-embedding-ada-002", "cl100k_base" },
    };

    [Theory]
    [MemberData(nameof(ChatModels))]
    public void Embedded_ChatModel_HasPricesAndLimitsOfReference(string model, decimal input, decimal? cached, decimal output, int context, int maxOutput, int? maxInput)
    {
        var price = PriceTable.Embedded.Models[model];

        Assert.Equal(input, price.InputUsdPerMillionTokens);
        Assert.Equal(cached, price.CachedInputUsdPerMillionTokens);
        Assert.Equal(output, price.OutputUsdPerMillionTokens);
        Assert.Equal(context, price.ContextWindowTokens);
        Assert.Equal(maxOutput, price.MaxOutputTokens);
        Assert.Equal(maxInput, price.MaxInputTokens);
    }

    [Theory]
    [MemberData(nameof(LegacyCompletionModels))]
    public void Embedded_LegacyCompletionModel_HasPricesAndLimitsOfReference(string model, decimal input, decimal output, int context, int maxOutput)
    {
        var price = PriceTable.Embedded.Models[model];

        Assert.Equal(input, price.InputUsdPerMillionTokens);
        Assert.Null(price.CachedInputUsdPerMillionTokens);
        Assert.Equal(output, price.OutputUsdPerMillionTokens);
        Assert.Equal(context, price.ContextWindowTokens);
        Assert.Equal(maxOutput, price.MaxOutputTokens);
        Assert.Null(price.MaxInputTokens);
    }

    [Theory]
    [MemberData(nameof(EmbeddingModels))]
    public void Embedded_EmbeddingModel_HasInputPriceAndNoOutput(string model, decimal input)
    {
        var price = PriceTable.Embedded.Models[model];

        Assert.Equal(input, price.InputUsdPerMillionTokens);
        Assert.Null(price.CachedInputUsdPerMillionTokens);
        Assert.Equal(0m, price.OutputUsdPerMillionTokens);
        // OpenAI's API reference says 8,192 input tokens, the price databases 8,191: the larger bounds an input item.
        Assert.Equal(8_192, price.ContextWindowTokens);
        Assert.Equal(0, price.MaxOutputTokens);
        Assert.Equal(8_192, price.MaxInputTokens);
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Embedded_Model_HasEncodingOfReference(string model, string encoding)
    {
        Assert.Equal(encoding, PriceTable.Embedded.Models[model].Encoding);
    }

    /// <summary>
    /// The generated table has every model of the hand table it replaced, with the encodings of reference, and the models
    /// of genai-prices for OpenAI, Anthropic, Google and Azure; only the reference models have an encoding (the others are
    /// bounded by bytes, never by a guessed tokenizer).
    /// </summary>
    [Fact]
    public void Embedded_Table_HasEveryReferenceModelAndTheGeneratedOnes()
    {
        var reference = ChatModels.Select(row => row.Data.Item1)
            .Concat(LegacyCompletionModels.Select(row => row.Data.Item1))
            .Concat(EmbeddingModels.Select(row => row.Data.Item1))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.All(reference, model => Assert.Contains(model, PriceTable.Embedded.Models.Keys));
        Assert.Equal(reference, Encodings.Select(row => row.Data.Item1).Order(StringComparer.Ordinal));
        Assert.Equal(reference, PriceTable.Embedded.Models.Where(m => m.Value.Encoding is not null).Select(m => m.Key).Order(StringComparer.Ordinal));
        foreach (string model in new[] { "gpt-5.6-sol", "claude-opus-4-7", "claude-opus-4-8", "claude-opus-5", "gemini-3-pro-preview", "gemini-3.5-flash", "phi-4" })
        {
            Assert.Contains(model, PriceTable.Embedded.Models.Keys);
        }

        foreach (string provider in PriceProviders.All)
        {
            Assert.True(PriceTable.Embedded.Models.Count(m => m.Value.Providers.Contains(provider)) >= 10, provider);
        }
    }

    [Fact]
    public void Embedded_EveryModel_HasTheBatchTierAtHalfPrice()
    {
        foreach (var (model, price) in PriceTable.Embedded.Models)
        {
            Assert.True(price.TierMultipliers.TryGetValue(ServiceTier.Batch, out decimal batch), model);
            Assert.Equal(0.5m, batch);
        }
    }

    [Theory]
    [MemberData(nameof(ImageRules))]
    public void Embedded_VisionModel_HasImageRuleOfReference(string model, ImageTokenKind kind, int baseTokens, int perTile, decimal multiplier)
    {
        var rule = PriceTable.Embedded.Models[model].ImageTokens;

        Assert.NotNull(rule);
        Assert.Equal(kind, rule.Kind);
        if (kind == ImageTokenKind.Tiles)
        {
            Assert.Equal((baseTokens, perTile), (rule.BaseTokens, rule.TokensPerTile));
        }
        else
        {
            Assert.Equal((multiplier, ImageTokenRule.DefaultMaxPatches), (rule.PatchMultiplier, rule.MaxPatches));
            Assert.Equal(1536, rule.MaxPatches);
        }
    }

    [Fact]
    public void Embedded_ModelsWithoutVision_HaveNoImageRule()
    {
        var withRules = ImageRules.Select(row => row.Data.Item1).ToHashSet(StringComparer.Ordinal);
        var without = PriceTable.Embedded.Models.Where(m => m.Value.ImageTokens is null).Select(m => m.Key).Order(StringComparer.Ordinal);

        Assert.Equal(PriceTable.Embedded.Models.Keys.Where(m => !withRules.Contains(m)).Order(StringComparer.Ordinal), without);
        Assert.Contains("gpt-4", without);
        Assert.Contains("gpt-3.5-turbo", without);
        Assert.Contains("text-embedding-3-small", without);
    }

    [Fact]
    public void Embedded_DateAndSource_AreTheGeneratorsDateAndGenaiPrices()
    {
        Assert.NotNull(PriceTable.Embedded.BaseOrigin.Day);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", PriceTable.Embedded.Date);
        Assert.Contains("@pydantic/genai-prices 0.1.8", PriceTable.Embedded.Source, StringComparison.Ordinal);
        Assert.Contains("LiteLLM", PriceTable.Embedded.Source, StringComparison.Ordinal);
        Assert.All(PriceTable.Embedded.Models, m => Assert.False(string.IsNullOrEmpty(m.Value.SourceNote), m.Key));
    }

    [Fact]
    public void Embedded_EveryPrice_PassesThePriceRules()
    {
        foreach (var (model, price) in PriceTable.Embedded.Models)
        {
            Assert.Null(ModelPriceRules.Validate(model, price));
        }
    }

    [Theory]
    [InlineData("gpt-4o")]
    [InlineData("gpt-4o-mini")]
    [InlineData("gpt-5")]
    [InlineData("gpt-5.4")]
    [InlineData("o3")]
    [InlineData("o3-pro")]
    [InlineData("gpt-3.5-turbo")]
    [InlineData("gpt-4o-2024-05-13")]
    public void TryResolve_ExactName_ResolvesToItself(string model)
    {
        Assert.True(PriceTable.Embedded.TryResolve(model, out var priced));
        Assert.Equal(model, priced.Family);
        Assert.Same(PriceTable.Embedded.Models[model], priced.Price);
    }

    [Theory]
    [InlineData("gpt-4o-mini-2024-07-18", "gpt-4o-mini")]
    [InlineData("gpt-4o-2024-08-06", "gpt-4o")]
    [InlineData("gpt-4o-2024-11-20", "gpt-4o")]
    [InlineData("gpt-3.5-turbo-0125", "gpt-3.5-turbo")]
    [InlineData("o3-2025-04-16", "o3")]
    [InlineData("gpt-4.1-mini-2025-04-14", "gpt-4.1-mini")]
    [InlineData("gpt-4.1-2025-04-14", "gpt-4.1")]
    [InlineData("gpt-5-2025-08-07", "gpt-5")]
    [InlineData("gpt-5-mini-2025-08-07", "gpt-5-mini")]
    [InlineData("gpt-5.4-2026-03-05", "gpt-5.4")]
    [InlineData("gpt-4-0613", "gpt-4")]
    [InlineData("gpt-4-turbo-2024-04-09", "gpt-4-turbo")]
    [InlineData("gpt-3.5-turbo-instruct-0914", "gpt-3.5-turbo-instruct")]
    public void TryResolve_DatedSnapshot_ResolvesToItsOwnFamily(string model, string family)
    {
        Assert.True(PriceTable.Embedded.TryResolve(model, out var priced));
        Assert.Equal(family, priced.Family);
        Assert.Same(PriceTable.Embedded.Models[family], priced.Price);
    }

    [Fact]
    public void TryResolve_Gpt4o20240513_HasItsOwnHigherPrices()
    {
        Assert.True(PriceTable.Embedded.TryResolve("gpt-4o-2024-05-13", out var priced));

        Assert.Equal("gpt-4o-2024-05-13", priced.Family);
        Assert.Equal(5m, priced.Price.InputUsdPerMillionTokens);
        Assert.Equal(15m, priced.Price.OutputUsdPerMillionTokens);
    }

    [Theory]
    [InlineData("ft:gpt-4o-mini:org::abc")]
    [InlineData("o2-mini")]
    [InlineData("gpt-4o-mini-tts-preview")]
    [InlineData("gpt-4o-latest")]
    [InlineData("chatgpt-5o-latest")]
    [InlineData("gpt-4-1106-vision")]
    [InlineData("gpt-4o-2024-08")]
    [InlineData("gpt-4o-20240806")]
    [InlineData("GPT-4O")]
    [InlineData("gpt-4o ")]
    [InlineData("")]
    public void TryResolve_UnknownModel_IsNotResolved(string model)
    {
        Assert.False(PriceTable.Embedded.TryResolve(model, out var priced));
        Assert.Null(priced);
    }

    [Fact]
    public void TryResolve_RepeatedName_GivesTheSameResolution()
    {
        var table = PriceTable.Embedded.With([new("x-model", Price(1m, 2m))], "test");

        Assert.True(table.TryResolve("x-model-2025-01-01", out var first));
        Assert.True(table.TryResolve("x-model-2025-01-01", out var second));
        Assert.False(table.TryResolve("x-model-preview", out _));
        Assert.False(table.TryResolve("x-model-preview", out _));

        Assert.Equal("x-model", first.Family);
        Assert.Equal(first.Family, second.Family);
        Assert.Same(first.Price, second.Price);
    }

    [Fact]
    public void With_Overrides_ReplacesAndAddsModelsInANewTable()
    {
        var cheaperMini = Price(0.1m, 0.2m);
        var custom = Price(3m, 4m);

        var table = PriceTable.Embedded.With(
            [new("gpt-4o-mini", cheaperMini), new("my-model", custom)], "prices set in code");

        Assert.NotSame(PriceTable.Embedded, table);
        Assert.Same(cheaperMini, table.Models["gpt-4o-mini"]);
        Assert.Same(custom, table.Models["my-model"]);
        Assert.Same(PriceTable.Embedded.Models["gpt-4o"], table.Models["gpt-4o"]);
        Assert.Equal(PriceTable.Embedded.Models.Count + 1, table.Models.Count);
        Assert.Equal(PriceTable.Embedded.Date, table.Date);
        Assert.Contains("Overridden by prices set in code.", table.Source, StringComparison.Ordinal);

        // The embedded table is untouched, and a snapshot of the overridden family resolves to the override.
        Assert.Equal(0.15m, PriceTable.Embedded.Models["gpt-4o-mini"].InputUsdPerMillionTokens);
        Assert.False(PriceTable.Embedded.Models.ContainsKey("my-model"));
        Assert.True(table.TryResolve("gpt-4o-mini-2024-07-18", out var snapshot));
        Assert.Same(cheaperMini, snapshot.Price);
    }

    [Fact]
    public void With_NoOverrides_ReturnsTheSameTable()
    {
        Assert.Same(PriceTable.Embedded, PriceTable.Embedded.With([], "nothing"));
    }

    private static ModelPrice Price(decimal input, decimal output) => new()
    {
        InputUsdPerMillionTokens = input,
        OutputUsdPerMillionTokens = output,
        ContextWindowTokens = 1000,
        MaxOutputTokens = 100,
    };
}
