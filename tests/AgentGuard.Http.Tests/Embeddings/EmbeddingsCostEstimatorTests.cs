using System.Text;
using AgentGuard.Http.Estimation;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Providers.OpenAI;
using Microsoft.ML.Tokenizers;

namespace AgentGuard.Http.Tests.Embeddings;

public sealed class EmbeddingsCostEstimatorTests
{
    private static readonly Tokenizer s_cl100k = TiktokenTokenizer.CreateForEncoding("cl100k_base");

    [Fact]
    public void ByBytes_SmallModel_IsTheInputBytesAtTheInputPriceAndNoOutput()
    {
        // 48 bytes at 0.02 micro-dollars per token: 0.96, rounded up to 1 micro-dollar.
        const string text = "The quick brown fox jumps over the lazy dog 🦊";
        var bound = EmbeddingsCostEstimator.ByBytes(Read(Body("text-embedding-3-small", Json(text))), Resolve("text-embedding-3-small"), ServiceTier.Standard);

        Assert.Equal(Encoding.UTF8.GetByteCount(text), bound.InputTokens);
        Assert.Equal(0, bound.OutputTokens);
        Assert.False(bound.FromTokenizer);
        Assert.Equal(1, bound.Micros);
    }

    [Fact]
    public void ByBytes_ManyStringsOnLargeModel_IsHandComputed()
    {
        string[] texts = [.. Enumerable.Range(0, 100).Select(i => $"document number {i}: ünïcödé")];
        long bytes = texts.Sum(t => (long)Encoding.UTF8.GetByteCount(t));

        var bound = EmbeddingsCostEstimator.ByBytes(Read(Body("text-embedding-3-large", Json(texts))), Resolve("text-embedding-3-large"), ServiceTier.Standard);

        Assert.Equal(bytes, bound.InputTokens);
        Assert.Equal((long)decimal.Ceiling(bytes * 0.13m), bound.Micros);
    }

    [Theory]
    [InlineData("[1,2,3,4,5]", 5)]
    [InlineData("[100257,100256,99999]", 3)]
    [InlineData("[[1,2],[3],[4,5,6,7]]", 7)]
    public void ByBytesAndByTokenizer_TokenIds_CountOneTokenPerId(string input, long tokens)
    {
        string body = Body("text-embedding-ada-002", input);
        var request = Read(body);
        var model = Resolve("text-embedding-ada-002");

        Assert.Equal(tokens, EmbeddingsCostEstimator.ByBytes(request, model, ServiceTier.Standard).InputTokens);
        Assert.Equal(tokens, EmbeddingsCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes(body), request, model, ServiceTier.Standard, cancellationToken: TestContext.Current.CancellationToken)!.Value.InputTokens);
    }

    [Fact]
    public void ByTokenizer_Strings_IsTheExactCountOfEachStringWithNoFraming()
    {
        string[] texts = ["Hello world", "Héllo wörld! 你好，世界 👋", "", "  spaces   and more  "];
        string body = Body("text-embedding-3-small", Json(texts));

        var bound = EmbeddingsCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes(body), Read(body), Resolve("text-embedding-3-small"), ServiceTier.Standard, cancellationToken: TestContext.Current.CancellationToken);

        Assert.NotNull(bound);
        Assert.True(bound.Value.FromTokenizer);
        Assert.Equal(texts.Sum(t => (long)s_cl100k.CountTokens(t)), bound.Value.InputTokens);
        Assert.Equal(0, bound.Value.OutputTokens);
    }

    [Fact]
    public void ByBytesAndByTokenizer_AnItemLongerThanTheModelAccepts_BillsAtMostItsMaxInput()
    {
        // OpenAI rejects (unbilled) an item above 8192 tokens, so none bills more: 20,000 bytes (10,000 tokens) or ids count 8192.
        string longText = string.Concat(Enumerable.Repeat("x ", 10_000));
        string ids = "[" + string.Join(",", Enumerable.Repeat("42", 20_000)) + "]";
        string body = Body("text-embedding-3-small", $"[{Json(longText)},{Json("short")}]");
        string idBody = Body("text-embedding-3-small", $"[{ids},[1,2]]");
        var model = Resolve("text-embedding-3-small");

        Assert.Equal(8192 + 5, EmbeddingsCostEstimator.ByBytes(Read(body), model, ServiceTier.Standard).InputTokens);
        Assert.Equal(8192 + 2, EmbeddingsCostEstimator.ByBytes(Read(idBody), model, ServiceTier.Standard).InputTokens);
        Assert.True(s_cl100k.CountTokens(longText) > 8192);
        Assert.Equal(8192 + s_cl100k.CountTokens("short"), EmbeddingsCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes(body), Read(body), model, ServiceTier.Standard, cancellationToken: TestContext.Current.CancellationToken)!.Value.InputTokens);
        Assert.Equal(8192 + 2, EmbeddingsCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes(idBody), Read(idBody), model, ServiceTier.Standard, cancellationToken: TestContext.Current.CancellationToken)!.Value.InputTokens);
    }

    [Theory]
    [InlineData("\"Hello\"")]
    [InlineData("\"Héllo wörld! 你好，世界 👋 ça va? ✓\"")]
    [InlineData("[\"a\",\"bb\",\"\",\"ccc ddd eee\"]")]
    [InlineData("\"escaped \\\"quotes\\\" and \\u00e9 and \\ud83d\\ude00 and \\n\"")]
    [InlineData("\"<|endoftext|> spelled out\"")]
    [InlineData("\"\\u003c|endoftext|> escaped\"")]
    [InlineData("\"lone \\ud800 surrogate\"")]
    [InlineData("[1,2,3]")]
    [InlineData("[[1],[2,3]]")]
    [InlineData("\"                                                                \"")]
    [InlineData("\"1234567890123456789012345678901234567890\"")]
    public void ByTokenizer_AnyInput_IsNeverAboveTheByteBound(string input)
    {
        string body = Body("text-embedding-3-small", input);
        var request = Read(body);
        var model = Resolve("text-embedding-3-small");

        var bytes = EmbeddingsCostEstimator.ByBytes(request, model, ServiceTier.Standard);
        var counted = EmbeddingsCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes(body), request, model, ServiceTier.Standard, cancellationToken: TestContext.Current.CancellationToken)!.Value;

        Assert.True(counted.InputTokens <= bytes.InputTokens, $"{counted.InputTokens} > {bytes.InputTokens}");
        Assert.True(counted.Micros <= bytes.Micros);
    }

    [Fact]
    public void ByTokenizer_TextSpellingASpecialToken_IsBoundedByItsBytesNotCountedAsOneToken()
    {
        // The tokenizer reads "<|endoftext|>" as one special token; OpenAI may read it as text (7 tokens). Bytes bound both.
        string body = Body("text-embedding-3-small", "\"<|endoftext|>\"");

        var bound = EmbeddingsCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes(body), Read(body), Resolve("text-embedding-3-small"), ServiceTier.Standard, cancellationToken: TestContext.Current.CancellationToken)!.Value;

        Assert.Equal(1, s_cl100k.CountTokens("<|endoftext|>"));
        Assert.Equal(13, bound.InputTokens);
    }

    [Fact]
    public void ByBytes_ChatModelOnTheEmbeddingsEndpoint_StillPricesNoOutput()
    {
        var bound = EmbeddingsCostEstimator.ByBytes(Read(Body("gpt-4o-mini", "\"x\"")), Resolve("gpt-4o-mini"), ServiceTier.Standard);

        Assert.Equal(0, bound.OutputTokens);
        Assert.Equal(1, bound.Micros);
    }

    [Fact]
    public void ByBytes_BatchTier_IsHalfTheStandardPrice()
    {
        string body = Body("text-embedding-3-large", Json(new string('x', 1000)));

        var standard = EmbeddingsCostEstimator.ByBytes(Read(body), Resolve("text-embedding-3-large"), ServiceTier.Standard);
        var batch = EmbeddingsCostEstimator.ByBytes(Read(body), Resolve("text-embedding-3-large"), ServiceTier.Batch);

        Assert.Equal(130, standard.Micros);
        Assert.Equal(65, batch.Micros);
    }

    [Fact]
    public void ByBytes_PriorityTier_HasNoPriceAndIsRefused()
    {
        var request = Read(Body("text-embedding-3-small", "\"x\""));

        Assert.Throws<UnknownModelPriceException>(() => EmbeddingsCostEstimator.ByBytes(request, Resolve("text-embedding-3-small"), ServiceTier.Priority));
    }

    [Fact]
    public void ByBytes_PriceMultiplier_MultipliesTheBound()
    {
        var request = Read(Body("text-embedding-3-large", Json(new string('x', 1000))));

        var bound = EmbeddingsCostEstimator.ByBytes(request, Resolve("text-embedding-3-large"), ServiceTier.Standard, new EstimationContext(1.1m));

        Assert.Equal(143, bound.Micros);
    }

    [Fact]
    public void ByTokenizer_ModelWithoutEncoding_IsNull()
    {
        var model = new PricedModel("custom-embed", new ModelPrice { InputUsdPerMillionTokens = 1m, ContextWindowTokens = 8191, MaxInputTokens = 8191 });
        string body = Body("custom-embed", "\"x\"");

        Assert.Null(EmbeddingsCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes(body), Read(body), model, ServiceTier.Standard, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Dispatch_TheOperationAndClamp_UseTheEmbeddingsRules()
    {
        string body = Body("text-embedding-3-small", "[\"one\",\"two\"]");
        var request = Read(body);
        var model = Resolve("text-embedding-3-small");

        var bound = OpenAIOperations.Embeddings.ByBytes(request, model, ServiceTier.Standard, EstimationContext.Default, outputCap: null);

        Assert.Equal(6, bound.InputTokens);
        Assert.Equal(2, OpenAIOperations.Embeddings.ByTokenizer(Encoding.UTF8.GetBytes(body), request, model, ServiceTier.Standard, EstimationContext.Default, outputCap: null, TestContext.Current.CancellationToken)!.Value.InputTokens);
        Assert.Null(OutputClamp.Fit(bound, request, model, ServiceTier.Standard, EstimationContext.Default, remainingMicros: 0, shareMicros: 0, minCap: 1, currentCap: null));
    }

    private static string Body(string model, string input) => $$"""{"model":"{{model}}","input":{{input}}}""";

    /// <summary>JSON strings written as they are (no escaping of non-ASCII), so their bytes in the body are their UTF-8 bytes.</summary>
    private static string Json(string text) => $"\"{text}\"";

    private static string Json(string[] texts) => "[" + string.Join(",", texts.Select(Json)) + "]";

    private static EmbeddingsRequest Read(string body) => EmbeddingsRequestReader.Read(Encoding.UTF8.GetBytes(body));

    private static PricedModel Resolve(string model)
    {
        Assert.True(PriceTable.Embedded.TryResolve(model, out var priced));
        return priced;
    }
}
