using System.Text;
using AgentGuard.Http.Estimation;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Providers.OpenAI;
using AgentGuard.Http.Tests.Pricing;

namespace AgentGuard.Http.Tests.Estimation;

/// <summary>A request for audio output reserves every output token at the larger of the text and audio output rates.</summary>
public sealed class ChatAudioCostEstimatorTests
{
    private const string AudioBody = """{"model":"gpt-audio","messages":[{"role":"user","content":"Say hi"}],"modalities":["text","audio"],"audio":{"voice":"alloy","format":"wav"},"max_completion_tokens":100,"n":2}""";

    private static readonly long s_inputBound = Encoding.UTF8.GetByteCount(AudioBody) + 4 + 3;

    [Fact]
    public void ByBytes_AudioOutput_PricesEveryOutputTokenAtTheAudioRate_WhenItIsTheLarger()
    {
        var bound = ChatCostEstimator.ByBytes(Read(AudioBody), Model(40, 80), ServiceTier.Standard);

        Assert.Equal(s_inputBound, bound.InputTokens);
        Assert.Equal(200, bound.OutputTokens);
        Assert.Equal((long)decimal.Ceiling((s_inputBound * 2.5m) + (200 * 80m)), bound.Micros);
    }

    [Fact]
    public void ByBytes_AudioOutput_PricesEveryOutputTokenAtTheTextRate_WhenItIsTheLarger()
    {
        var bound = ChatCostEstimator.ByBytes(Read(AudioBody), Model(1, 4), ServiceTier.Standard);

        Assert.Equal((long)decimal.Ceiling((s_inputBound * 2.5m) + (200 * 10m)), bound.Micros);
    }

    [Fact]
    public void ByBytes_TextRequestToAnAudioModel_IsPricedAsText()
    {
        const string body = """{"model":"gpt-audio","messages":[{"role":"user","content":"Say hi"}],"max_completion_tokens":100}""";
        long input = Encoding.UTF8.GetByteCount(body) + 4 + 3;

        var bound = ChatCostEstimator.ByBytes(Read(body), Model(40, 80), ServiceTier.Standard);

        Assert.Equal((long)decimal.Ceiling((input * 2.5m) + (100 * 10m)), bound.Micros);
    }

    [Fact]
    public void ByBytes_AudioOutputAtPriority_AppliesTheMultiplierToTheAudioRate()
    {
        var bound = ChatCostEstimator.ByBytes(Read(AudioBody), Model(40, 80), ServiceTier.Priority);

        Assert.Equal((long)decimal.Ceiling((s_inputBound * 5m) + (200 * 160m)), bound.Micros);
    }

    [Fact]
    public void ByBytes_AudioOutputWithThePriceMultiplier_AppliesIt()
    {
        var bound = ChatCostEstimator.ByBytes(Read(AudioBody), Model(40, 80), ServiceTier.Standard, new EstimationContext(1.5m));

        Assert.Equal((long)decimal.Ceiling(((s_inputBound * 2.5m) + (200 * 80m)) * 1.5m), bound.Micros);
    }

    [Fact]
    public void ByTokenizerAndReprice_AudioOutput_PriceOutputAtTheAudioRateToo()
    {
        var request = Read(AudioBody);
        var model = Model(40, 80);

        var counted = ChatCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes(AudioBody), request, model, ServiceTier.Standard, cancellationToken: TestContext.Current.CancellationToken);
        Assert.NotNull(counted);
        var repriced = ChatCostEstimator.Reprice(counted.Value, request, model, ServiceTier.Standard, EstimationContext.Default, 10);

        Assert.Equal((long)decimal.Ceiling((counted.Value.InputTokens * 2.5m) + (200 * 80m)), counted.Value.Micros);
        Assert.Equal(20, repriced.OutputTokens);
        Assert.Equal((long)decimal.Ceiling((counted.Value.InputTokens * 2.5m) + (20 * 80m)), repriced.Micros);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(40, null)]
    public void ByBytes_AudioOutputWithoutAnAudioOutputPrice_IsRefused(int? audioInput, int? audioOutput)
    {
        var ex = Assert.Throws<UnknownModelPriceException>(() => ChatCostEstimator.ByBytes(Read(AudioBody), Model(audioInput, audioOutput), ServiceTier.Standard));

        Assert.Equal("gpt-audio", ex.Model);
        Assert.Contains("AudioOutputUsdPerMillionTokens", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ByBytes_AudioOutputToAnEmbeddedModel_IsRefused()
    {
        Assert.True(PriceTable.Embedded.TryResolve("gpt-4o", out var gpt4o));

        var ex = Assert.Throws<UnknownModelPriceException>(() =>
            ChatCostEstimator.ByBytes(Read(AudioBody.Replace("gpt-audio", "gpt-4o", StringComparison.Ordinal)), gpt4o, ServiceTier.Standard));

        Assert.Contains("Prices[\"gpt-4o\"].AudioOutputUsdPerMillionTokens", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ByBytes_AudioOutputWhoseInputMayCrossTheLongContextThreshold_IsRefused()
    {
        var price = AudioPriceTests.AudioModel(40, 80);
        price.LongContext = new LongContextPrice { AboveInputTokens = 150, InputUsdPerMillionTokens = 5m, OutputUsdPerMillionTokens = 20m };
        var model = new PricedModel("gpt-audio", price);
        string small = """{"model":"gpt-audio","messages":[{"role":"user","content":"x"}],"modalities":["audio"],"audio":{}}""";
        string large = small.Replace("\"x\"", $"\"{new string('x', 200)}\"", StringComparison.Ordinal);

        var fits = ChatCostEstimator.ByBytes(Read(small), model, ServiceTier.Standard);
        var ex = Assert.Throws<UnknownModelPriceException>(() => ChatCostEstimator.ByBytes(Read(large), model, ServiceTier.Standard));

        Assert.Equal(16_384, fits.OutputTokens);
        Assert.Contains("long-context prices, which have no audio price", ex.Message, StringComparison.Ordinal);
    }

    private static PricedModel Model(int? audioInput, int? audioOutput) => new("gpt-audio", AudioPriceTests.AudioModel(audioInput, audioOutput));

    private static ChatCompletionRequest Read(string body) => ChatCompletionRequestReader.Read(Encoding.UTF8.GetBytes(body));
}
