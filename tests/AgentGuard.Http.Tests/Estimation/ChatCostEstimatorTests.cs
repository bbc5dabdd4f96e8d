using System.Text;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Providers.OpenAI;
using Microsoft.ML.Tokenizers;

namespace AgentGuard.Http.Tests.Estimation;

public sealed class ChatCostEstimatorTests
{
    private static readonly Tokenizer s_o200k = TiktokenTokenizer.CreateForEncoding("o200k_base");
    private static readonly Tokenizer s_cl100k = TiktokenTokenizer.CreateForEncoding("cl100k_base");

    [Fact]
    public void ByBytes_Gpt4oMiniMaxTokens100_IsHandComputed()
    {
        const string body = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}],"max_tokens":100}""";
        int b = Encoding.UTF8.GetByteCount(body);

        var bound = ChatCostEstimator.ByBytes(Read(body), Resolve("gpt-4o-mini"), ServiceTier.Standard);

        Assert.Equal(b + 4 + 3, bound.InputTokens);
        Assert.Equal(100, bound.OutputTokens);
        Assert.Equal(ServiceTier.Standard, bound.Tier);
        Assert.False(bound.FromTokenizer);
        Assert.Equal((long)decimal.Ceiling(((b + 4 + 3) * 0.15m) + (100 * 0.6m)), bound.Micros);
    }

    [Fact]
    public void ByBytes_Gpt4oMiniMaxTokens100_IsSeventyFiveMicroDollars()
    {
        // 87 bytes: (87 + 4 + 3) x 0.15 + 100 x 0.6 = 14.1 + 60 = 74.1, rounded up to 75 micro-dollars.
        const string body = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}],"max_tokens":100}""";

        var bound = ChatCostEstimator.ByBytes(Read(body), Resolve("gpt-4o-mini"), ServiceTier.Standard);

        Assert.Equal(87, Encoding.UTF8.GetByteCount(body));
        Assert.Equal(75, bound.Micros);
    }

    [Fact]
    public void ByBytes_Gpt4oNoCapTwoChoicesAndAName_IsHandComputed()
    {
        const string body = """{"model":"gpt-4o","messages":[{"role":"system","content":"Be brief","name":"r"},{"role":"user","content":"Hi"}],"n":2}""";
        int b = Encoding.UTF8.GetByteCount(body);

        var bound = ChatCostEstimator.ByBytes(Read(body), Resolve("gpt-4o"), ServiceTier.Standard);

        long input = b + (2 * 4) + 1 + 3;
        long output = 2 * 16_384;
        Assert.Equal(input, bound.InputTokens);
        Assert.Equal(output, bound.OutputTokens);
        Assert.Equal((long)decimal.Ceiling((input * 2.5m) + (output * 10m)), bound.Micros);
    }

    [Theory]
    [InlineData("", 16_384)]
    [InlineData(",\"max_tokens\":50", 50)]
    [InlineData(",\"max_completion_tokens\":70", 70)]
    [InlineData(",\"max_tokens\":50,\"max_completion_tokens\":70", 70)]
    [InlineData(",\"max_tokens\":90,\"max_completion_tokens\":70", 90)]
    [InlineData(",\"max_completion_tokens\":1000000", 16_384)]
    [InlineData(",\"max_tokens\":16385", 16_384)]
    [InlineData(",\"max_tokens\":0", 0)]
    [InlineData(",\"max_tokens\":null,\"max_completion_tokens\":null", 16_384)]
    public void ByBytes_OutputCaps_LargestCapBoundedByModelMaxOutput(string fields, long perChoice)
    {
        var request = Read($$"""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}]{{fields}}}""");

        var bound = ChatCostEstimator.ByBytes(request, Resolve("gpt-4o-mini"), ServiceTier.Standard);

        Assert.Equal(perChoice, bound.OutputTokens);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(128)]
    public void ByBytes_NChoices_MultipliesOutputAndPredictionPerChoice(int n)
    {
        const string prediction = """{"type":"content","content":"predicted"}""";
        int p = Encoding.UTF8.GetByteCount(prediction);
        string body = $$"""{"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"n":{{n}},"max_tokens":10,"prediction":{{prediction}}}""";
        var request = Read(body);

        var bound = ChatCostEstimator.ByBytes(request, Resolve("gpt-4o"), ServiceTier.Standard);

        Assert.Equal(n * (10L + p), bound.OutputTokens);
        Assert.Equal((long)decimal.Ceiling((bound.InputTokens * 2.5m) + (n * (10L + p) * 10m)), bound.Micros);
    }

    [Theory]
    [InlineData(ServiceTier.Standard, "0.15", "0.6")]
    [InlineData(ServiceTier.Batch, "0.075", "0.3")]
    [InlineData(ServiceTier.Priority, "0.2505", "1.002")]
    public void ByBytes_Tier_PricesAtThatTier(ServiceTier tier, string inputRate, string outputRate)
    {
        const string body = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello there"}],"max_completion_tokens":333}""";
        long input = Encoding.UTF8.GetByteCount(body) + 4 + 3;

        var bound = ChatCostEstimator.ByBytes(Read(body), Resolve("gpt-4o-mini"), tier);

        decimal expected = (input * Dec(inputRate)) + (333 * Dec(outputRate));
        Assert.Equal(tier, bound.Tier);
        Assert.Equal((long)decimal.Ceiling(expected), bound.Micros);
    }

    [Fact]
    public void ByBytes_FlexOnGpt4o_ThrowsUnknownModelPriceNamingTheRequestedModel()
    {
        const string body = """{"model":"gpt-4o-2024-08-06","messages":[{"role":"user","content":"x"}],"service_tier":"flex"}""";
        var request = Read(body);

        var ex = Assert.Throws<UnknownModelPriceException>(() => ChatCostEstimator.ByBytes(request, Resolve(request.Model), ServiceTier.Flex));

        Assert.Equal("gpt-4o-2024-08-06", ex.Model);
        Assert.Contains("Flex", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ByTokenizer_PriorityOnGpt5Nano_ThrowsUnknownModelPrice()
    {
        const string body = """{"model":"gpt-5-nano","messages":[{"role":"user","content":"x"}]}""";

        var ex = Assert.Throws<UnknownModelPriceException>(() =>
            ChatCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes(body), Read(body), Resolve("gpt-5-nano"), ServiceTier.Priority, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal("gpt-5-nano", ex.Model);
        Assert.Contains("Priority", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ByBytes_Gpt54InputAtThreshold_IsStandardRate()
    {
        // The threshold is 271,999 (genai-prices: standard rates below 272K input tokens, so 272,000 is long-context).
        string body = BodyWithInputUpperBound("gpt-5.4", 271_999);

        var bound = ChatCostEstimator.ByBytes(Read(body), Resolve("gpt-5.4"), ServiceTier.Standard);

        Assert.Equal(271_999, bound.InputTokens);
        Assert.Equal((long)decimal.Ceiling((271_999 * 2.5m) + (10 * 15m)), bound.Micros);
    }

    [Fact]
    public void ByBytes_Gpt54InputAboveThreshold_IsLongContextRateForTheWholeRequest()
    {
        string body = BodyWithInputUpperBound("gpt-5.4", 272_001);

        var bound = ChatCostEstimator.ByBytes(Read(body), Resolve("gpt-5.4"), ServiceTier.Standard);

        Assert.Equal(272_001, bound.InputTokens);
        Assert.Equal((long)decimal.Ceiling((272_001 * 5m) + (10 * 22.5m)), bound.Micros);
    }

    [Fact]
    public void ByBytes_Gpt55InputAboveThresholdAtBatch_IsHalfTheLongContextRate()
    {
        string body = BodyWithInputUpperBound("gpt-5.5", 300_000);

        var bound = ChatCostEstimator.ByBytes(Read(body), Resolve("gpt-5.5"), ServiceTier.Batch);

        Assert.Equal((long)decimal.Ceiling((300_000 * 5m) + (10 * 22.5m)), bound.Micros);
    }

    [Fact]
    public void ByTokenizer_Gpt54ManyBytesFewTokens_IsStandardRateWhileBytesAreLongContext()
    {
        string content = string.Concat(Enumerable.Repeat("hello ", 50_000));
        string body = $$"""{"model":"gpt-5.4","messages":[{"role":"user","content":"{{content}}"}],"max_tokens":10}""";
        var request = Read(body);
        var priced = Resolve("gpt-5.4");

        var bytes = ChatCostEstimator.ByBytes(request, priced, ServiceTier.Standard);
        var tokens = ChatCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes(body), request, priced, ServiceTier.Standard, cancellationToken: TestContext.Current.CancellationToken);

        Assert.NotNull(tokens);
        long expectedInput = 3 + 4 + s_o200k.CountTokens("user") + s_o200k.CountTokens(content);
        Assert.True(expectedInput <= 272_000);
        Assert.True(bytes.InputTokens > 272_000);
        Assert.Equal((long)decimal.Ceiling((bytes.InputTokens * 5m) + (10 * 22.5m)), bytes.Micros);
        Assert.Equal(expectedInput, tokens.Value.InputTokens);
        Assert.True(tokens.Value.FromTokenizer);
        Assert.Equal((long)decimal.Ceiling((expectedInput * 2.5m) + (10 * 15m)), tokens.Value.Micros);
    }

    [Fact]
    public void ByTokenizer_Gpt4oMini_IsHandComputedFromTokenCounts()
    {
        const string body = """{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse.","name":"sys"},{"role":"user","content":"What is 2+2?"}],"max_tokens":20,"n":2}""";
        var request = Read(body);

        var bound = ChatCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes(body), request, Resolve("gpt-4o-mini"), ServiceTier.Standard, cancellationToken: TestContext.Current.CancellationToken);

        long input = 3
            + (4 + s_o200k.CountTokens("system") + s_o200k.CountTokens("You are terse.") + 1 + s_o200k.CountTokens("sys"))
            + (4 + s_o200k.CountTokens("user") + s_o200k.CountTokens("What is 2+2?"));
        Assert.NotNull(bound);
        Assert.Equal(input, bound.Value.InputTokens);
        Assert.Equal(40, bound.Value.OutputTokens);
        Assert.Equal((long)decimal.Ceiling((input * 0.15m) + (40 * 0.6m)), bound.Value.Micros);
    }

    [Fact]
    public void ByTokenizer_InputLowerBoundFillsContext_CapsOutputAtRoomLeft()
    {
        // gpt-4: 8,192 context, 4,096 max output. ~6,000 tokens of plain content leave ~2,192 for output.
        string content = string.Concat(Enumerable.Repeat("hello ", 6_000));
        string body = $$"""{"model":"gpt-4","messages":[{"role":"user","content":"{{content}}"}]}""";
        var request = Read(body);
        var priced = Resolve("gpt-4");
        long lower = s_cl100k.CountTokens(content);

        var tokens = ChatCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes(body), request, priced, ServiceTier.Standard, cancellationToken: TestContext.Current.CancellationToken);
        var bytes = ChatCostEstimator.ByBytes(request, priced, ServiceTier.Standard);

        Assert.InRange(lower, 4_097, 8_191);
        Assert.NotNull(tokens);
        Assert.Equal(8_192 - lower, tokens.Value.OutputTokens);
        long input = 3 + 4 + s_cl100k.CountTokens("user") + lower;
        Assert.Equal((long)decimal.Ceiling((input * 30m) + ((8_192 - lower) * 60m)), tokens.Value.Micros);

        // The byte bound has no lower bound of the input, so it cannot shrink the output.
        Assert.Equal(4_096, bytes.OutputTokens);
    }

    [Fact]
    public void ByTokenizer_InputLowerBoundAboveContext_LeavesOnlyThePrediction()
    {
        string content = string.Concat(Enumerable.Repeat("hello ", 9_000));
        string body = $$$"""{"model":"gpt-4","messages":[{"role":"user","content":"{{{content}}}"}],"n":2,"max_tokens":100,"prediction":{"type":"content","content":"hello world"}}""";
        var request = Read(body);

        var tokens = ChatCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes(body), request, Resolve("gpt-4"), ServiceTier.Standard, cancellationToken: TestContext.Current.CancellationToken);

        long prediction = s_cl100k.CountTokens("content") + s_cl100k.CountTokens("hello world");
        Assert.NotNull(tokens);
        Assert.Equal(2 * prediction, tokens.Value.OutputTokens);
    }

    [Fact]
    public void ByTokenizer_MaxTokensBelowRoomLeft_IsTheRequestedCap()
    {
        string content = string.Concat(Enumerable.Repeat("hello ", 6_000));
        string body = $$"""{"model":"gpt-4","messages":[{"role":"user","content":"{{content}}"}],"max_tokens":500}""";

        var tokens = ChatCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes(body), Read(body), Resolve("gpt-4"), ServiceTier.Standard, cancellationToken: TestContext.Current.CancellationToken);

        Assert.NotNull(tokens);
        Assert.Equal(500, tokens.Value.OutputTokens);
    }

    [Fact]
    public void ByTokenizer_ModelWithoutEncoding_IsNull()
    {
        var priced = new PricedModel("custom", new ModelPrice
        {
            InputUsdPerMillionTokens = 1m,
            OutputUsdPerMillionTokens = 2m,
            ContextWindowTokens = 1000,
            MaxOutputTokens = 100,
            Encoding = null,
        });
        const string body = """{"model":"custom","messages":[{"role":"user","content":"x"}]}""";
        var request = Read(body);

        var tokens = ChatCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes(body), request, priced, ServiceTier.Standard, cancellationToken: TestContext.Current.CancellationToken);
        var bytes = ChatCostEstimator.ByBytes(request, priced, ServiceTier.Standard);

        Assert.Null(tokens);
        Assert.Equal((long)decimal.Ceiling(((body.Length + 7) * 1m) + (100 * 2m)), bytes.Micros);
    }

    [Fact]
    public void ByTokenizer_AnyBody_IsNeverAboveTheByteBound()
    {
        const string body = """{"model":"gpt-4o","messages":[{"role":"system","content":"日本語のシステムプロンプト","name":"s"},{"role":"user","content":"😀 emoji \"quotes\""}],"tools":[{"type":"function","function":{"name":"f"}}],"response_format":{"type":"json_object"},"prediction":{"type":"content","content":"abc"},"n":2}""";
        var request = Read(body);
        var priced = Resolve("gpt-4o");

        foreach (var tier in new[] { ServiceTier.Standard, ServiceTier.Batch, ServiceTier.Priority })
        {
            var bytes = ChatCostEstimator.ByBytes(request, priced, tier);
            var tokens = ChatCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes(body), request, priced, tier, cancellationToken: TestContext.Current.CancellationToken);

            Assert.NotNull(tokens);
            Assert.True(tokens.Value.Micros <= bytes.Micros);
            Assert.True(tokens.Value.InputTokens <= bytes.InputTokens);
            Assert.True(tokens.Value.OutputTokens <= bytes.OutputTokens);
            Assert.Equal(tier, tokens.Value.Tier);
        }
    }

    /// <summary>A one-message body whose byte bound (bytes + 4 + 3) is exactly <paramref name="upper"/>.</summary>
    private static string BodyWithInputUpperBound(string model, int upper)
    {
        string Body(int length) => $$"""{"model":"{{model}}","messages":[{"role":"user","content":"{{new string('a', length)}}"}],"max_tokens":10}""";
        int overhead = Encoding.UTF8.GetByteCount(Body(0)) + 4 + 3;
        string body = Body(upper - overhead);
        Assert.Equal(upper, Encoding.UTF8.GetByteCount(body) + 4 + 3);
        return body;
    }

    private static decimal Dec(string text) => decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    private static ChatCompletionRequest Read(string body) => ChatCompletionRequestReader.Read(Encoding.UTF8.GetBytes(body));

    private static PricedModel Resolve(string model)
    {
        Assert.True(PriceTable.Embedded.TryResolve(model, out var priced));
        return priced;
    }
}
