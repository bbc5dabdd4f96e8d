using System.Text;
using AgentGuard.Http.Estimation;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Providers.OpenAI;
using Microsoft.ML.Tokenizers;

namespace AgentGuard.Http.Tests.Completions;

public sealed class CompletionsCostEstimatorTests
{
    private const string Instruct = "gpt-3.5-turbo-instruct";

    private static readonly Tokenizer s_cl100k = TiktokenTokenizer.CreateForEncoding("cl100k_base");

    [Fact]
    public void ByBytes_OnePromptNoMaxTokens_IsSixteenOutputTokens()
    {
        // 5 x 1.5 + 16 x 2.0 = 7.5 + 32 = 39.5, rounded up to 40 micro-dollars.
        var bound = ByBytes("""{"model":"gpt-3.5-turbo-instruct","prompt":"Hello"}""");

        Assert.Equal(5, bound.InputTokens);
        Assert.Equal(16, bound.OutputTokens);
        Assert.False(bound.FromTokenizer);
        Assert.Equal(40, bound.Micros);
    }

    [Theory]
    [InlineData("")]
    [InlineData(",\"prompt\":null")]
    public void ByBytes_NoPrompt_IsOneTokenOfEndOfText(string field)
    {
        // 1 x 1.5 + 16 x 2.0 = 33.5, rounded up to 34.
        var bound = ByBytes($$"""{"model":"gpt-3.5-turbo-instruct"{{field}}}""");

        Assert.Equal(1, bound.InputTokens);
        Assert.Equal(16, bound.OutputTokens);
        Assert.Equal(34, bound.Micros);
    }

    [Theory]
    [InlineData("", 16)]
    [InlineData(",\"max_tokens\":null", 16)]
    [InlineData(",\"max_tokens\":0", 0)]
    [InlineData(",\"max_tokens\":100", 100)]
    [InlineData(",\"max_tokens\":4096", 4096)]
    [InlineData(",\"max_tokens\":100000", 4096)]
    public void ByBytes_MaxTokens_IsTheCapPerCompletionWithinTheModelMaximum(string field, long perCompletion)
    {
        Assert.Equal(perCompletion, ByBytes($$"""{"model":"gpt-3.5-turbo-instruct","prompt":"x"{{field}}}""").OutputTokens);
    }

    [Theory]
    [InlineData("\"prompt\":\"x\"", 1)]
    [InlineData("\"prompt\":\"x\",\"n\":3", 3)]
    [InlineData("\"prompt\":\"x\",\"best_of\":4", 4)]
    [InlineData("\"prompt\":\"x\",\"n\":2,\"best_of\":5", 5)]
    [InlineData("\"prompt\":[\"a\",\"b\",\"c\"]", 3)]
    [InlineData("\"prompt\":[\"a\",\"b\",\"c\"],\"n\":2,\"best_of\":5", 15)]
    [InlineData("\"prompt\":[[1,2],[3]],\"n\":4", 8)]
    [InlineData("\"prompt\":[1,2,3],\"n\":4", 4)]
    public void ByBytes_PromptsNAndBestOf_BillEveryCompletion(string fields, long completions)
    {
        var bound = ByBytes($$"""{"model":"gpt-3.5-turbo-instruct","max_tokens":10,{{fields}}}""");

        Assert.Equal(completions * 10, bound.OutputTokens);
        Assert.Equal((long)decimal.Ceiling((bound.InputTokens * 1.5m) + (completions * 10 * 2.0m)), bound.Micros);
    }

    [Fact]
    public void ByBytes_Echo_BillsEachPromptAgainAsOutputOfEachOfItsCompletions()
    {
        // Prompts of 4 and 1 bytes, 3 completions each: the echo is at most 3 x (4 + 1) = 15 tokens in all;
        // spread over the 6 completions, ceil(5 / 2) = 3 each, 18 in all, on top of 6 x 10.
        var bound = ByBytes("""{"model":"gpt-3.5-turbo-instruct","prompt":["aaaa","b"],"max_tokens":10,"n":3,"echo":true}""");

        Assert.Equal(5, bound.InputTokens);
        Assert.Equal((6 * 10) + (6 * 3), bound.OutputTokens);
        Assert.True(bound.OutputTokens - 60 >= 3 * 5);
    }

    [Fact]
    public void ByBytes_EchoWithNoNewTokens_IsThePromptAgain()
    {
        // Scoring a prompt: max_tokens 0 and echo still return (and may bill) the prompt.
        var bound = ByBytes("""{"model":"davinci-002","prompt":"Hello","max_tokens":0,"echo":true,"logprobs":1}""");

        Assert.Equal(5, bound.InputTokens);
        Assert.Equal(5, bound.OutputTokens);
        Assert.Equal((long)decimal.Ceiling((5 * 2.0m) + (5 * 2.0m)), bound.Micros);
    }

    [Fact]
    public void ByBytes_Suffix_IsInputToEveryPromptWithItsFraming()
    {
        var one = ByBytes("""{"model":"gpt-3.5-turbo-instruct","prompt":"def f():","suffix":"return 1"}""");
        var two = ByBytes("""{"model":"gpt-3.5-turbo-instruct","prompt":["a","b"],"suffix":"xyz"}""");
        var none = ByBytes("""{"model":"gpt-3.5-turbo-instruct","prompt":["a","b"],"suffix":null}""");

        Assert.Equal(8 + 8 + CompletionsInputBounds.FramingPerSuffix, one.InputTokens);
        Assert.Equal(2 + (2 * (3 + CompletionsInputBounds.FramingPerSuffix)), two.InputTokens);
        Assert.Equal(2, none.InputTokens);
    }

    [Fact]
    public void ByBytes_TokenIdPromptFillsTheContext_CapsOutputAtTheRoomLeft()
    {
        // 4096-token window: a prompt of exactly 1000 token ids leaves 3096 for each completion.
        string ids = Ids(1000);
        var bound = ByBytes($$"""{"model":"gpt-3.5-turbo-instruct","prompt":{{ids}},"max_tokens":5000,"n":2}""");

        Assert.Equal(1000, bound.InputTokens);
        Assert.Equal(2 * 3096, bound.OutputTokens);
    }

    [Fact]
    public void ByBytes_SeveralTokenIdPrompts_TheShortestPromptDecidesTheRoom()
    {
        // The 10-id prompt's completions have 4086 tokens of room; the 1000-id one's only 3096, but the bound is per completion.
        var bound = ByBytes($$"""{"model":"gpt-3.5-turbo-instruct","prompt":[{{Ids(1000)}},{{Ids(10)}}],"max_tokens":5000}""");

        Assert.Equal(1010, bound.InputTokens);
        Assert.Equal(2 * 4086, bound.OutputTokens);
    }

    [Fact]
    public void ByBytes_TextPrompt_ProvesNoLowerBoundSoTheWholeWindowIsRoom()
    {
        var bound = ByBytes($$"""{"model":"gpt-3.5-turbo-instruct","prompt":"{{string.Concat(Enumerable.Repeat("word ", 1000))}}","max_tokens":5000}""");

        Assert.Equal(4096, bound.OutputTokens);
    }

    [Fact]
    public void ByTokenizer_TextPrompts_AreCountedExactlyAndTheShortestDecidesTheRoom()
    {
        string longText = string.Concat(Enumerable.Repeat("hello world ", 500));
        const string shortText = "Say this is a test";
        string body = $$"""{"model":"gpt-3.5-turbo-instruct","prompt":["{{longText}}","{{shortText}}"],"max_tokens":5000}""";
        int longTokens = s_cl100k.CountTokens(longText), shortTokens = s_cl100k.CountTokens(shortText);

        var bound = ByTokenizer(body);

        Assert.True(bound.FromTokenizer);
        Assert.Equal(longTokens + shortTokens, bound.InputTokens);
        Assert.Equal(2 * (4096 - shortTokens), bound.OutputTokens);
        Assert.Equal((long)decimal.Ceiling(((longTokens + shortTokens) * 1.5m) + (2 * (4096 - shortTokens) * 2.0m)), bound.Micros);
    }

    [Fact]
    public void ByTokenizer_PromptSpellingASpecialToken_ProvesNoLowerBound()
    {
        string body = $$"""{"model":"gpt-3.5-turbo-instruct","prompt":"{{string.Concat(Enumerable.Repeat("<|endoftext|>", 100))}}","max_tokens":5000}""";

        var bound = ByTokenizer(body);

        Assert.Equal(1300, bound.InputTokens);
        Assert.Equal(4096, bound.OutputTokens);
    }

    [Fact]
    public void ByTokenizer_SuffixAndEcho_AreCountedExactly()
    {
        const string prompt = "def add(a, b):", suffix = "    return result";
        string body = $$"""{"model":"gpt-3.5-turbo-instruct","prompt":"{{prompt}}","suffix":"{{suffix}}","echo":true,"max_tokens":20,"n":2}""";
        long input = s_cl100k.CountTokens(prompt) + s_cl100k.CountTokens(suffix) + CompletionsInputBounds.FramingPerSuffix;

        var bound = ByTokenizer(body);

        Assert.Equal(input, bound.InputTokens);
        Assert.Equal(2 * (20 + input), bound.OutputTokens);
    }

    [Theory]
    [InlineData("\"prompt\":\"Hello\"")]
    [InlineData("")]
    [InlineData("\"prompt\":null")]
    [InlineData("\"prompt\":[\"Héllo wörld! 你好，世界 👋 ça va? ✓\",\"\",\"x\"]")]
    [InlineData("\"prompt\":\"escaped \\\"quotes\\\" \\u00e9 \\ud83d\\ude00 \\n\"")]
    [InlineData("\"prompt\":\"<|endoftext|>\",\"suffix\":\"<|fim_suffix|>\"")]
    [InlineData("\"prompt\":[1,2,3],\"echo\":true")]
    [InlineData("\"prompt\":[[1,2,3],[4]],\"echo\":true,\"n\":3,\"best_of\":4")]
    [InlineData("\"prompt\":[\"aaaa aaaa aaaa\",\"b\"],\"echo\":true,\"suffix\":\"zz\"")]
    [InlineData("\"prompt\":\"lone \\ud800 surrogate\",\"max_tokens\":4000")]
    public void ByTokenizer_AnyBody_IsNeverAboveTheByteBound(string fields)
    {
        string body = $$"""{"model":"gpt-3.5-turbo-instruct"{{(fields.Length > 0 ? "," : "")}}{{fields}}}""";

        var bytes = ByBytes(body);
        var counted = ByTokenizer(body);

        Assert.True(counted.InputTokens <= bytes.InputTokens, $"input {counted.InputTokens} > {bytes.InputTokens}");
        Assert.True(counted.OutputTokens <= bytes.OutputTokens, $"output {counted.OutputTokens} > {bytes.OutputTokens}");
        Assert.True(counted.Micros <= bytes.Micros);
    }

    [Fact]
    public void ByTokenizer_ModelWithoutEncoding_IsNull()
    {
        var model = new PricedModel("custom", new ModelPrice { InputUsdPerMillionTokens = 1m, OutputUsdPerMillionTokens = 1m, ContextWindowTokens = 4096, MaxOutputTokens = 4096 });
        string body = """{"model":"custom","prompt":"x"}""";

        Assert.Null(CompletionsCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes(body), Read(body), model, ServiceTier.Standard, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public void ByBytes_PromptLongerThanTheWindow_BillsAtMostTheWindowPerPrompt()
    {
        // A prompt that does not fit the context window is rejected unbilled, so none bills more than the window.
        var bound = ByBytes($$"""{"model":"gpt-3.5-turbo-instruct","prompt":["{{new string('a', 10_000)}}","b"]}""");

        Assert.Equal(4096 + 1, bound.InputTokens);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(16)]
    [InlineData(3000)]
    public void Reprice_WithAnotherCap_IsTheBoundOfThatCap(int cap)
    {
        string body = """{"model":"gpt-3.5-turbo-instruct","prompt":["one","two"],"n":2,"echo":true,"max_tokens":4000}""";
        var request = Read(body);
        var model = Resolve(Instruct);
        var bound = CompletionsCostEstimator.ByBytes(request, model, ServiceTier.Standard);

        var repriced = OpenAIOperations.Completions.Reprice(bound, request, model, ServiceTier.Standard, EstimationContext.Default, cap);

        Assert.Equal(CompletionsCostEstimator.ByBytes(request, model, ServiceTier.Standard, outputCap: cap), repriced);
        Assert.Equal(4 * (cap + 3), repriced.OutputTokens);
    }

    [Fact]
    public void OutputClamp_Completions_FindsTheLargestMaxTokensThatFits()
    {
        // 5 x 1.5 + c x 2.0 <= 500 micro-dollars: c = 246 (499.5, rounded up to 500).
        string body = """{"model":"gpt-3.5-turbo-instruct","prompt":"Hello","max_tokens":1000}""";
        var request = Read(body);
        var model = Resolve(Instruct);
        var bound = CompletionsCostEstimator.ByBytes(request, model, ServiceTier.Standard);

        var clamped = OutputClamp.Fit(bound, request, model, ServiceTier.Standard, EstimationContext.Default, remainingMicros: 500, shareMicros: 500, minCap: 1, currentCap: request.OutputCap);

        Assert.NotNull(clamped);
        Assert.Equal(246, clamped.Value.OutputCap);
        Assert.Equal(500, clamped.Value.Bound.Micros);
    }

    [Fact]
    public void ByBytes_ACostBeyondWhatALedgerHolds_Saturates_SoNoBudgetCoversIt()
    {
        string body = $$"""{"model":"davinci-002","prompt":[{{string.Join(",", Enumerable.Repeat("\"\"", 200_000))}}],"n":2147483647,"max_tokens":16384}""";

        Assert.Equal(long.MaxValue, ByBytes(body).Micros);
    }

    [Theory]
    [InlineData(300_000)]
    public void ByBytes_MoreCompletionsThanACostCanHold_IsRefusedNotWrapped(int prompts)
    {
        string body = $$"""{"model":"davinci-002","prompt":[{{string.Join(",", Enumerable.Repeat("\"\"", prompts))}}],"n":2147483647,"max_tokens":16384}""";

        var ex = Assert.Throws<UnboundedRequestException>(() => ByBytes(body));

        Assert.Equal(UnboundedRequestReason.UnsupportedContent, ex.Reason);
        Assert.StartsWith("The Completions request cannot be bounded: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ByBytes_BatchTier_IsHalfTheStandardPrice()
    {
        var request = Read("""{"model":"babbage-002","prompt":"0123456789","max_tokens":90}""");

        var standard = CompletionsCostEstimator.ByBytes(request, Resolve("babbage-002"), ServiceTier.Standard);
        var batch = CompletionsCostEstimator.ByBytes(request, Resolve("babbage-002"), ServiceTier.Batch);

        Assert.Equal(40, standard.Micros);
        Assert.Equal(20, batch.Micros);
    }

    private static string Ids(int count) => "[" + string.Join(",", Enumerable.Range(0, count).Select(i => (i % 50_000).ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";

    private static CostBound ByBytes(string body)
    {
        var request = Read(body);
        return CompletionsCostEstimator.ByBytes(request, Resolve(request.Model), ServiceTier.Standard);
    }

    private static CostBound ByTokenizer(string body)
    {
        var request = Read(body);
        var bound = CompletionsCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes(body), request, Resolve(request.Model), ServiceTier.Standard);
        Assert.NotNull(bound);
        return bound.Value;
    }

    private static CompletionsRequest Read(string body) => CompletionsRequestReader.Read(Encoding.UTF8.GetBytes(body));

    private static PricedModel Resolve(string model)
    {
        Assert.True(PriceTable.Embedded.TryResolve(model, out var priced));
        return priced;
    }
}
