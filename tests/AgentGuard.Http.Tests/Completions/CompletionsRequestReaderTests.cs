using System.Text;
using AgentGuard.Http.Providers.OpenAI;
using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Tests.Completions;

public sealed class CompletionsRequestReaderTests
{
    [Fact]
    public void Read_ModelOnly_IsTheDefaultPromptCappedAtSixteenTokens()
    {
        const string body = """{"model":"gpt-3.5-turbo-instruct"}""";

        var request = Read(body);

        Assert.Same(OpenAIOperations.Completions, request.Operation);
        Assert.Equal("gpt-3.5-turbo-instruct", request.Model);
        Assert.Equal(Encoding.UTF8.GetByteCount(body), request.BodyBytes);
        Assert.Equal(CompletionsRequest.DefaultPrompt, request.Prompt);
        Assert.Equal(new TextOrTokenIds(1, 1, 0, 1), request.Prompt);
        Assert.Null(request.MaxTokens);
        Assert.Equal(16, request.OutputCap);
        Assert.Equal("max_tokens", request.OutputCapMember);
        Assert.Equal(1, request.N);
        Assert.Null(request.BestOf);
        Assert.Equal(1, request.CompletionsPerPrompt);
        Assert.Equal(1, request.BilledCompletions);
        Assert.False(request.Echo);
        Assert.False(request.HasSuffix);
        Assert.Equal(0, request.SuffixBytes);
        Assert.False(request.Stream);
        Assert.False(request.HasStreamOptions);
        Assert.Null(request.IncludeUsage);
        Assert.False(request.NeedsUsageInjected);
        Assert.Null(request.ServiceTier);
    }

    [Fact]
    public void Read_FullBody_ReadsEverythingThatBills()
    {
        var request = Read("""
            {
              "model": "davinci-002",
              "prompt": ["Once upon", "a time, 很久以前"],
              "suffix": "The end.",
              "max_tokens": 100,
              "n": 2,
              "best_of": 3,
              "echo": true,
              "logprobs": 5,
              "stop": ["\n"],
              "temperature": 0.7,
              "logit_bias": {"50256": -100},
              "stream": true,
              "stream_options": {"include_usage": false},
              "service_tier": "default",
              "user": "u-1",
              "seed": 42
            }
            """);

        Assert.Equal("davinci-002", request.Model);
        Assert.Equal(new TextOrTokenIds(2, 9 + Encoding.UTF8.GetByteCount("a time, 很久以前"), 0, Encoding.UTF8.GetByteCount("a time, 很久以前")), request.Prompt);
        Assert.True(request.HasSuffix);
        Assert.Equal(8, request.SuffixBytes);
        Assert.Equal(100, request.MaxTokens);
        Assert.Equal(100, request.OutputCap);
        Assert.Equal(2, request.N);
        Assert.Equal(3, request.BestOf);
        Assert.Equal(3, request.CompletionsPerPrompt);
        Assert.Equal(6, request.BilledCompletions);
        Assert.True(request.Echo);
        Assert.True(request.Stream);
        Assert.True(request.HasStreamOptions);
        Assert.False(request.IncludeUsage);
        Assert.True(request.NeedsUsageInjected);
        Assert.Equal("default", request.ServiceTier);
    }

    [Theory]
    [InlineData("\"Hello\"", 1, 5, 0, 5)]
    [InlineData("\"\"", 1, 0, 0, 0)]
    [InlineData("null", 1, 1, 0, 1)]
    [InlineData("[\"a\",\"bb\",\"ccc\"]", 3, 6, 0, 3)]
    [InlineData("[9906, 1917]", 1, 2, 2, 2)]
    [InlineData("[[9906, 1917], [1], [3, 4, 5]]", 3, 6, 1, 3)]
    public void Read_EveryPromptShape_IsMeasured(string prompt, int items, long units, long minItemTokens, long maxItemUnits)
    {
        var request = Read($$"""{"model":"m","prompt":{{prompt}}}""");

        Assert.Equal(new TextOrTokenIds(items, units, minItemTokens, maxItemUnits), request.Prompt);
    }

    [Theory]
    [InlineData("", 16)]
    [InlineData(",\"max_tokens\":null", 16)]
    [InlineData(",\"max_tokens\":0", 0)]
    [InlineData(",\"max_tokens\":1", 1)]
    [InlineData(",\"max_tokens\":4000", 4000)]
    [InlineData(",\"max_tokens\":2147483647", 2147483647)]
    public void OutputCap_IsMaxTokensOrTheSixteenOpenAIApplies(string field, int expected)
    {
        Assert.Equal(expected, Read($$"""{"model":"m","prompt":"x"{{field}}}""").OutputCap);
    }

    [Theory]
    [InlineData("", 1, 1)]
    [InlineData(",\"n\":null,\"best_of\":null", 1, 1)]
    [InlineData(",\"n\":4", 1, 4)]
    [InlineData(",\"best_of\":5", 1, 5)]
    [InlineData(",\"n\":2,\"best_of\":5", 1, 5)]
    [InlineData(",\"n\":3,\"best_of\":3", 1, 3)]
    [InlineData(",\"n\":3,\"best_of\":1", 1, 3)]
    [InlineData(",\"prompt\":[\"a\",\"b\",\"c\"],\"n\":2,\"best_of\":4", 3, 12)]
    [InlineData(",\"prompt\":[[1],[2]],\"n\":5", 2, 10)]
    public void BilledCompletions_IsPromptsTimesTheLargerOfNAndBestOf(string fields, int prompts, long billed)
    {
        var request = Read($$"""{"model":"m"{{fields}}}""");

        Assert.Equal(prompts, request.Prompt.Items);
        Assert.Equal(billed, request.BilledCompletions);
    }

    [Theory]
    [InlineData("", null, false)]
    [InlineData(",\"stream\":false", null, false)]
    [InlineData(",\"stream\":null", null, false)]
    [InlineData(",\"stream\":true", null, true)]
    [InlineData(",\"stream\":true,\"stream_options\":null", null, true)]
    [InlineData(",\"stream\":true,\"stream_options\":{}", null, true)]
    [InlineData(",\"stream\":true,\"stream_options\":{\"include_usage\":false}", false, true)]
    [InlineData(",\"stream\":true,\"stream_options\":{\"include_usage\":true}", true, false)]
    [InlineData(",\"stream_options\":{\"other\":1,\"include_usage\":true},\"stream\":true", true, false)]
    public void NeedsUsageInjected_StreamWithoutIncludeUsage_IsTrue(string fields, bool? includeUsage, bool needsInjection)
    {
        var request = Read($$"""{"model":"m","prompt":"x"{{fields}}}""");

        Assert.Equal(includeUsage, request.IncludeUsage);
        Assert.Equal(needsInjection, request.NeedsUsageInjected);
    }

    [Theory]
    [InlineData(",\"suffix\":null", false, 0)]
    [InlineData(",\"suffix\":\"\"", true, 0)]
    [InlineData(",\"suffix\":\"done.\\n\"", true, 7)]
    public void Read_Suffix_IsMeasured(string field, bool hasSuffix, long bytes)
    {
        var request = Read($$"""{"model":"m","prompt":"x"{{field}}}""");

        Assert.Equal(hasSuffix, request.HasSuffix);
        Assert.Equal(bytes, request.SuffixBytes);
    }

    [Theory]
    [InlineData("[1,2]", "the body is not a JSON object")]
    [InlineData("not json", "the body is not valid JSON")]
    [InlineData("{\"model\":\"m\",\"prompt\":\"x\"", "the body is not valid JSON")]
    [InlineData("{\"model\":\"m\"} []", "the body is not valid JSON")]
    [InlineData("{\"prompt\":\"x\"}", "it has no \"model\"")]
    [InlineData("{\"model\":\"\"}", "it has no \"model\"")]
    [InlineData("{\"model\":[\"m\"]}", "\"model\" must be a string")]
    [InlineData("{\"model\":\"m\",\"prompt\":[]}", "\"prompt\" must not be an empty array")]
    [InlineData("{\"model\":\"m\",\"prompt\":7}", "\"prompt\" must be a string, an array of strings, an array of token ids or an array of arrays of token ids")]
    [InlineData("{\"model\":\"m\",\"prompt\":{}}", "\"prompt\" must be a string, an array of strings")]
    [InlineData("{\"model\":\"m\",\"prompt\":[\"a\",[1]]}", "\"prompt\" must be a string, an array of strings")]
    [InlineData("{\"model\":\"m\",\"prompt\":[1,[1]]}", "\"prompt\" must be a string, an array of strings")]
    [InlineData("{\"model\":\"m\",\"prompt\":[-3]}", "the token ids of \"prompt\" must be whole numbers of at least 0")]
    [InlineData("{\"model\":\"m\",\"prompt\":[[0.5]]}", "the token ids of \"prompt\" must be whole numbers of at least 0")]
    [InlineData("{\"model\":\"m\",\"suffix\":5}", "\"suffix\" must be a string")]
    [InlineData("{\"model\":\"m\",\"suffix\":[\"x\"]}", "\"suffix\" must be a string")]
    [InlineData("{\"model\":\"m\",\"max_tokens\":-1}", "\"max_tokens\" must be a whole number of at least 0")]
    [InlineData("{\"model\":\"m\",\"max_tokens\":\"16\"}", "\"max_tokens\" must be a whole number of at least 0")]
    [InlineData("{\"model\":\"m\",\"max_tokens\":2147483648}", "\"max_tokens\" must be a whole number of at least 0")]
    [InlineData("{\"model\":\"m\",\"n\":0}", "\"n\" must be a whole number of at least 1")]
    [InlineData("{\"model\":\"m\",\"n\":1.5}", "\"n\" must be a whole number of at least 1")]
    [InlineData("{\"model\":\"m\",\"best_of\":0}", "\"best_of\" must be a whole number of at least 1")]
    [InlineData("{\"model\":\"m\",\"best_of\":\"2\"}", "\"best_of\" must be a whole number of at least 1")]
    [InlineData("{\"model\":\"m\",\"echo\":1}", "\"echo\" must be true or false")]
    [InlineData("{\"model\":\"m\",\"stream\":\"true\"}", "\"stream\" must be true or false")]
    [InlineData("{\"model\":\"m\",\"stream_options\":true}", "\"stream_options\" must be an object")]
    [InlineData("{\"model\":\"m\",\"stream_options\":{\"include_usage\":\"yes\"}}", "\"stream_options.include_usage\" must be true or false")]
    [InlineData("{\"model\":\"m\",\"service_tier\":{}}", "\"service_tier\" must be a string")]
    public void Read_MalformedBody_ThrowsMalformedNamingTheProblem(string body, string problem)
    {
        var ex = Assert.Throws<UnboundedRequestException>(() => Read(body));

        Assert.Equal(UnboundedRequestReason.MalformedBody, ex.Reason);
        Assert.StartsWith("The Completions request cannot be read: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"model\":\"m\",\"prompt\":\"\xFE\"}", "the body is not valid UTF-8")]
    [InlineData("{\"model\":\"m\",\"prompt\":\"ok\",\"suffix\":\"x\xE9y\"}", "the body is not valid UTF-8")]
    public void Read_TextNotUtf8_IsMalformed(string latin1Body, string problem)
    {
        var ex = Assert.Throws<UnboundedRequestException>(() => GuardedRequestReader.Read(OpenAIOperations.Completions, Encoding.Latin1.GetBytes(latin1Body)));

        Assert.Equal(UnboundedRequestReason.MalformedBody, ex.Reason);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ThroughTheEndpointDispatch_IsTheCompletionsReader()
    {
        var request = GuardedRequestReader.Read(OpenAIOperations.Completions, """{"model":"m","prompt":"x"}"""u8);

        Assert.IsType<CompletionsRequest>(request);
    }

    private static CompletionsRequest Read(string body) => CompletionsRequestReader.Read(Encoding.UTF8.GetBytes(body));
}
