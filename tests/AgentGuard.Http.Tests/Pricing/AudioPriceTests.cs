using AgentGuard.Http.Pricing;

namespace AgentGuard.Http.Tests.Pricing;

/// <summary>Audio prices: read strictly from price files, validated, multiplied by tiers, and absent above the long-context threshold.</summary>
public sealed class AudioPriceTests
{
    private const string Entry = "\"input\": 2.5, \"cachedInput\": 1.25, \"output\": 10, \"contextWindow\": 128000, \"maxOutputTokens\": 16384";

    [Fact]
    public void ReadFile_AudioPrices_AreRead()
    {
        using var file = new TempFile(Models($"\"gpt-audio\": {{ {Entry}, \"audioInput\": 32, \"audioOutput\": 64 }}, \"text-only\": {{ {Entry} }}"));

        var table = PriceTableJson.ReadFile(file.Path);

        var audio = table.Models["gpt-audio"];
        Assert.Equal(32m, audio.AudioInputUsdPerMillionTokens);
        Assert.Equal(64m, audio.AudioOutputUsdPerMillionTokens);
        var text = table.Models["text-only"];
        Assert.Null(text.AudioInputUsdPerMillionTokens);
        Assert.Null(text.AudioOutputUsdPerMillionTokens);
    }

    [Fact]
    public void ReadFile_OneAudioPriceOnly_LeavesTheOtherUnknown()
    {
        using var file = new TempFile(Models($"\"gpt-audio\": {{ {Entry}, \"audioOutput\": 0 }}"));

        var price = PriceTableJson.ReadFile(file.Path).Models["gpt-audio"];

        Assert.Null(price.AudioInputUsdPerMillionTokens);
        Assert.Equal(0m, price.AudioOutputUsdPerMillionTokens);
    }

    [Theory]
    [InlineData("\"audioInput\": -1", "negative audio price")]
    [InlineData("\"audioOutput\": -0.01", "negative audio price")]
    public void ReadFile_NegativeAudioPrice_ThrowsNamingFileModelAndProblem(string member, string problem)
    {
        using var file = new TempFile(Models($"\"gpt-audio\": {{ {Entry}, {member} }}"));

        var ex = Assert.Throws<InvalidDataException>(() => PriceTableJson.ReadFile(file.Path));

        Assert.Contains(file.Path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("'gpt-audio'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"audioOutput\": \"64\"", "audioOutput")]
    [InlineData("\"audioInput\": true", "audioInput")]
    [InlineData("\"audio\": 64", "audio")]
    [InlineData("\"audioOutputs\": 64", "audioOutputs")]
    [InlineData("\"longContext\": {\"aboveInputTokens\": 1000, \"input\": 5, \"output\": 20, \"audioOutput\": 80}", "audioOutput")]
    public void ReadFile_MistypedOrUnknownAudioMember_ThrowsNamingFileModelAndMember(string member, string named)
    {
        using var file = new TempFile(Models($"\"gpt-audio\": {{ {Entry}, {member} }}"));

        var ex = Assert.Throws<InvalidDataException>(() => PriceTableJson.ReadFile(file.Path));

        Assert.Contains(file.Path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("'gpt-audio'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1, null)]
    [InlineData(null, -1)]
    public void Validate_NegativeAudioPrice_IsAnError(int? input, int? output)
    {
        var price = AudioModel(input, output);

        Assert.Equal("model 'm' has a negative audio price.", ModelPriceRules.Validate("m", price));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(0, 0)]
    [InlineData(40, 80)]
    [InlineData(null, 80)]
    public void Validate_AbsentOrNonNegativeAudioPrices_AreValid(int? input, int? output) =>
        Assert.Null(ModelPriceRules.Validate("m", AudioModel(input, output)));

    [Fact]
    public void Options_NegativeAudioPrice_IsRefusedByTheValidator()
    {
        var options = new AgentGuardOptions { BudgetUsd = 1m };
        options.Prices["gpt-audio"] = AudioModel(40, -80);

        var result = new AgentGuardOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("AgentGuardOptions.Prices: model 'gpt-audio' has a negative audio price.", result.FailureMessage, StringComparison.Ordinal);
    }

    /// <summary>
    /// The generated table has the audio prices genai-prices publishes (the hand table had none: its sources then had none),
    /// and none where it publishes none: a model without them still refuses audio output.
    /// </summary>
    [Fact]
    public void EmbeddedTable_HasAudioPricesOnlyWhereTheSourcePublishesThem()
    {
        var audio = PriceTable.Embedded.Models["gpt-audio"];
        Assert.Equal((32m, 64m), (audio.AudioInputUsdPerMillionTokens, audio.AudioOutputUsdPerMillionTokens));
        foreach (string model in new[] { "gpt-4o", "gpt-4o-mini", "gpt-4o-audio-preview", "gpt-5.5" })
        {
            Assert.Null(PriceTable.Embedded.Models[model].AudioInputUsdPerMillionTokens);
            Assert.Null(PriceTable.Embedded.Models[model].AudioOutputUsdPerMillionTokens);
        }
    }

    [Fact]
    public void TryGetRates_TierMultipliers_ApplyToAudioPrices()
    {
        var model = new PricedModel("gpt-audio", AudioModel(40, 80));

        Assert.True(model.TryGetRates(ServiceTier.Standard, longContext: false, out var standard));
        Assert.True(model.TryGetRates(ServiceTier.Priority, longContext: false, out var priority));
        Assert.True(model.TryGetRates(ServiceTier.Batch, longContext: false, out var batch));

        Assert.Equal((40m, 80m), (standard.AudioInput, standard.AudioOutput));
        Assert.Equal((80m, 160m), (priority.AudioInput, priority.AudioOutput));
        Assert.Equal((20m, 40m), (batch.AudioInput, batch.AudioOutput));
        Assert.Equal(new TokenRates(5m, 2.5m, 20m) { AudioInput = 80m, AudioOutput = 160m }, priority);
    }

    [Fact]
    public void TryGetRates_NoAudioPrice_HasNullAudioRates()
    {
        Assert.True(new PricedModel("gpt-4o", AudioModel(null, null)).TryGetRates(ServiceTier.Priority, longContext: false, out var rates));

        Assert.Null(rates.AudioInput);
        Assert.Null(rates.AudioOutput);
    }

    [Fact]
    public void TryGetRates_AboveTheLongContextThreshold_AudioIsUnpriced()
    {
        var price = AudioModel(40, 80);
        price.LongContext = new LongContextPrice { AboveInputTokens = 1000, InputUsdPerMillionTokens = 5m, OutputUsdPerMillionTokens = 20m };
        var model = new PricedModel("gpt-audio", price);

        Assert.True(model.TryGetRates(ServiceTier.Standard, longContext: true, out var longRates));
        Assert.True(model.TryGetRates(ServiceTier.Standard, longContext: false, out var shortRates));

        Assert.Equal(new TokenRates(5m, 5m, 20m), longRates);
        Assert.Null(longRates.AudioOutput);
        Assert.Equal(80m, shortRates.AudioOutput);
    }

    [Theory]
    [InlineData(80, 80)]
    [InlineData(4, 10)]
    public void ForAudioOutput_PricesOutputAtTheLargerRate(int audioOutput, int expectedOutput)
    {
        var model = new PricedModel("gpt-audio", AudioModel(40, audioOutput));
        var rates = model.GetRates(ServiceTier.Standard, longContext: false, "gpt-audio");

        var audio = model.ForAudioOutput(rates, longContext: false, "gpt-audio");

        Assert.Equal(expectedOutput, audio.Output);
        Assert.Equal((rates.Input, rates.CachedInput), (audio.Input, audio.CachedInput));
    }

    [Fact]
    public void ForAudioOutput_NoAudioOutputPrice_IsRefusedNamingTheOption()
    {
        var model = new PricedModel("gpt-4o", AudioModel(40, null));
        var rates = model.GetRates(ServiceTier.Standard, longContext: false, "gpt-4o-2024-08-06");

        var ex = Assert.Throws<UnknownModelPriceException>(() => model.ForAudioOutput(rates, longContext: false, "gpt-4o-2024-08-06"));

        Assert.Equal("gpt-4o-2024-08-06", ex.Model);
        Assert.Contains("asks for audio output", ex.Message, StringComparison.Ordinal);
        Assert.Contains("has no audio output price", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AgentGuardOptions.Prices[\"gpt-4o\"].AudioOutputUsdPerMillionTokens", ex.Message, StringComparison.Ordinal);
        Assert.Contains("\"audioOutput\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ForAudioOutput_AboveTheLongContextThreshold_IsRefusedSayingWhy()
    {
        var price = AudioModel(40, 80);
        price.LongContext = new LongContextPrice { AboveInputTokens = 1000, InputUsdPerMillionTokens = 5m, OutputUsdPerMillionTokens = 20m };
        var model = new PricedModel("gpt-audio", price);
        var rates = model.GetRates(ServiceTier.Standard, longContext: true, "gpt-audio");

        var ex = Assert.Throws<UnknownModelPriceException>(() => model.ForAudioOutput(rates, longContext: true, "gpt-audio"));

        Assert.Contains("may exceed 1000 tokens", ex.Message, StringComparison.Ordinal);
        Assert.Contains("long-context prices, which have no audio price", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CostMicros_WithAudio_BillsAudioAtItsRates()
    {
        var rates = new TokenRates(2.5m, 1.25m, 10m) { AudioInput = 40m, AudioOutput = 80m };

        // 100 text input, 20 cached, 50 text output, 30 audio input, 200 audio output.
        Assert.Equal((100 * 2.5m) + (20 * 1.25m) + (50 * 10m) + (30 * 40m) + (200 * 80m), rates.CostMicros(100, 20, 50, 30, 200));
        Assert.Equal(rates.CostMicros(100, 20, 50), rates.CostMicros(100, 20, 50, 0, 0));
    }

    [Fact]
    public void CostMicros_UnpricedAudioTokens_AreNeverBilledAsText()
    {
        var rates = new TokenRates(2.5m, 1.25m, 10m);

        Assert.Throws<InvalidOperationException>(() => rates.CostMicros(0, 0, 0, 0, 1));
        Assert.Throws<InvalidOperationException>(() => rates.CostMicros(0, 0, 0, 1, 0));
    }

    private static string Models(string entries) => $"{{\"models\": {{ {entries} }}}}";

    /// <summary>gpt-4o's text prices with the given audio prices (null: none), and Batch and Priority tiers.</summary>
    internal static ModelPrice AudioModel(int? audioInput, int? audioOutput) => new()
    {
        InputUsdPerMillionTokens = 2.5m,
        CachedInputUsdPerMillionTokens = 1.25m,
        OutputUsdPerMillionTokens = 10m,
        AudioInputUsdPerMillionTokens = audioInput,
        AudioOutputUsdPerMillionTokens = audioOutput,
        ContextWindowTokens = 128_000,
        MaxOutputTokens = 16_384,
        Encoding = "o200k_base",
        TierMultipliers = new Dictionary<ServiceTier, decimal> { [ServiceTier.Batch] = 0.5m, [ServiceTier.Priority] = 2m },
    };
}
