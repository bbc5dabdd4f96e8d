using System.Collections.Frozen;
using System.Text;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Estimation;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Providers.OpenAI;

namespace AgentGuard.Http.Tests.Responses;

public sealed class ResponsesCostEstimatorTests
{
    private static readonly EstimationContext s_fees = EstimationContext.Default with
    {
        HostedToolFees = new Dictionary<string, decimal> { ["web_search"] = 0.01m, ["file_search"] = 0.0025m, ["code_interpreter"] = 0.03m }
            .ToFrozenDictionary(StringComparer.Ordinal),
    };

    [Fact]
    public void ByBytes_StringInput_IsHandComputed()
    {
        const string body = """{"model":"gpt-4o-mini","input":"Hello","max_output_tokens":100}""";
        long b = Encoding.UTF8.GetByteCount(body);

        var bound = ResponsesCostEstimator.ByBytes(Read(body), Resolve("gpt-4o-mini"), ServiceTier.Standard, EstimationContext.Default);

        // The body, the priming, one message's framing and its implied role ("user").
        long input = b + 3 + 4 + 4;
        Assert.Equal(input, bound.InputTokens);
        Assert.Equal(100, bound.OutputTokens);
        Assert.False(bound.FromTokenizer);
        Assert.Equal((long)decimal.Ceiling((input * 0.15m) + (100 * 0.6m)), bound.Micros);
    }

    [Fact]
    public void ByBytes_InstructionsItemsToolsAndTextFormat_AreFramed()
    {
        const string body = """
            {"model":"gpt-4o","instructions":"Be brief.","input":[{"role":"user","content":"Hi"},{"type":"function_call_output","call_id":"c","output":"42"}],
             "tools":[{"type":"function","name":"f","parameters":{}},{"type":"custom","name":"g"}],"text":{"format":{"type":"json_object"}}}
            """;
        long b = Encoding.UTF8.GetByteCount(body);

        var bound = ResponsesCostEstimator.ByBytes(Read(body), Resolve("gpt-4o"), ServiceTier.Standard, EstimationContext.Default);

        // Instructions are a system message (framing and "system"), each item a message, each tool and the format a tool.
        long input = b + 3 + (4 * 3) + 6 + (16 * 3);
        Assert.Equal(input, bound.InputTokens);
        Assert.Equal(16_384, bound.OutputTokens);
        Assert.Equal((long)decimal.Ceiling((input * 2.5m) + (16_384 * 10m)), bound.Micros);
    }

    public static TheoryData<string> TextBodies => new()
    {
        """{"model":"gpt-4o-mini","input":"Héllo wörld! 你好，世界 👋","max_output_tokens":300}""",
        """{"model":"gpt-4o","instructions":"You are a terse assistant. Answer in one word.","input":"What colour is the sky?"}""",
        """
        {"model":"gpt-4.1-mini","input":[{"role":"developer","content":"Use tools."},{"role":"user","content":[{"type":"input_text","text":"Weather in Paris?"}]},
          {"type":"function_call","call_id":"call_1","name":"weather","arguments":"{\"city\":\"Paris\",\"unit\":\"c\"}"},
          {"type":"function_call_output","call_id":"call_1","output":"{\"temp\":21,\"sky\":\"clear\"}"},
          {"type":"message","role":"assistant","content":[{"type":"output_text","text":"It is 21°C and clear.","annotations":[]}]}],
         "tools":[{"type":"function","name":"weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}],
         "max_output_tokens":1000}
        """,
        """{"model":"gpt-5-mini","input":"Give me JSON","text":{"format":{"type":"json_schema","name":"answer","schema":{"type":"object","properties":{"a":{"type":"string"}}}}},"reasoning":{"effort":"low"}}""",
        """{"model":"gpt-3.5-turbo","input":"cl100k text, with émojis 🎉 and ponctuation…","max_output_tokens":64}""",
    };

    [Theory]
    [MemberData(nameof(TextBodies))]
    public void Bounds_ByBytesAtLeastByTokenizerAtLeastTheFakesWorstCase(string body)
    {
        var request = Read(body);
        var model = Resolve(request.Model);

        var bytes = ResponsesCostEstimator.ByBytes(request, model, ServiceTier.Standard, EstimationContext.Default);
        var counted = ResponsesCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes(body), request, model, ServiceTier.Standard, EstimationContext.Default, cancellationToken: TestContext.Current.CancellationToken);

        Assert.NotNull(counted);
        Assert.True(counted.Value.FromTokenizer);
        int oracleInput = FakeMeter.CountResponsesInputTokens(body);
        Assert.True(bytes.InputTokens >= counted.Value.InputTokens, $"bytes {bytes.InputTokens} < tokenizer {counted.Value.InputTokens}");
        Assert.True(counted.Value.InputTokens >= oracleInput, $"tokenizer {counted.Value.InputTokens} < oracle {oracleInput}");
        Assert.True(bytes.Micros >= counted.Value.Micros);
        Assert.True(counted.Value.Micros >= OracleWorstCaseMicros(body, request), $"tokenizer {counted.Value.Micros} < oracle {OracleWorstCaseMicros(body, request)}");
    }

    [Fact]
    public void Bounds_HostedTools_CoverTheFakesWorstCase()
    {
        const string body = """
            {"model":"gpt-4o-mini","input":"Search twice","max_output_tokens":200,"max_tool_calls":2,
             "tools":[{"type":"web_search"},{"type":"file_search","vector_store_ids":["vs_1"]}]}
            """;
        var request = Read(body);

        var bytes = ResponsesCostEstimator.ByBytes(request, Resolve("gpt-4o-mini"), ServiceTier.Standard, s_fees);
        var counted = ResponsesCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes(body), request, Resolve("gpt-4o-mini"), ServiceTier.Standard, s_fees, cancellationToken: TestContext.Current.CancellationToken)!.Value;

        // The fake's worst case: two calls of the dearest tool, each adding its results, one turn of output.
        var fake = FakeBehavior.Default;
        int input = FakeMeter.CountResponsesInputTokens(body) + (2 * fake.ToolResultTokens);
        long oracle = FakeMeter.MicrosOf(FakeMeter.PriceOf("gpt-4o-mini", input, 0, 200) + (2 * 0.01m));
        Assert.True(bytes.Micros >= counted.Micros);
        Assert.True(counted.Micros >= oracle);
    }

    [Fact]
    public void ByBytes_HostedTools_AddAFeeAWindowAndATurnPerCall()
    {
        const string body = """{"model":"gpt-4o-mini","input":"Hi","max_output_tokens":100,"max_tool_calls":2,"tools":[{"type":"web_search"},{"type":"file_search","vector_store_ids":["vs_1"]}]}""";
        long b = Encoding.UTF8.GetByteCount(body);

        var bound = ResponsesCostEstimator.ByBytes(Read(body), Resolve("gpt-4o-mini"), ServiceTier.Standard, s_fees);

        long firstTurn = b + 3 + 4 + 4 + (16 * 2);
        long input = firstTurn + (2 * 128_000);
        long output = 3 * 100;
        Assert.Equal(input, bound.InputTokens);
        Assert.Equal(output, bound.OutputTokens);
        Assert.Equal(firstTurn, bound.Input.Upper);
        Assert.Equal((long)decimal.Ceiling((input * 0.15m) + (output * 0.6m) + (2 * 0.01m * 1_000_000m)), bound.Micros);
    }

    [Fact]
    public void ByBytes_HostedToolsWithoutMaxToolCalls_IsRefused()
    {
        var request = Read("""{"model":"gpt-4o-mini","input":"Hi","tools":[{"type":"web_search"}]}""");

        var refusal = Assert.Throws<UnboundedRequestException>(() => ResponsesCostEstimator.ByBytes(request, Resolve("gpt-4o-mini"), ServiceTier.Standard, s_fees));

        Assert.Equal(UnboundedRequestReason.UnboundedToolUse, refusal.Reason);
        Assert.StartsWith("The Responses request cannot be bounded: it offers hosted tools without max_tool_calls (web_search)", refusal.Message);
        Assert.Contains("AgentGuardOptions.RequireMaxToolCalls = false", refusal.Message);
    }

    [Fact]
    public void ByBytes_HostedToolsWithoutMaxToolCalls_AssumesTheConfiguredCount()
    {
        var request = Read("""{"model":"gpt-4o-mini","input":"Hi","max_output_tokens":100,"tools":[{"type":"web_search"}]}""");

        var bound = ResponsesCostEstimator.ByBytes(request, Resolve("gpt-4o-mini"), ServiceTier.Standard, s_fees with { MaxToolCallsWhenAbsent = 3 });

        Assert.Equal(4 * 100, bound.OutputTokens);
        Assert.Equal(bound.Input.Upper + (3 * 128_000), bound.InputTokens);
    }

    [Fact]
    public void ByBytes_McpTools_AddAWindowForTheToolListsTheServerReads()
    {
        var context = EstimationContext.Default with
        {
            HostedToolFees = new Dictionary<string, decimal> { ["mcp"] = 0m }.ToFrozenDictionary(StringComparer.Ordinal),
        };
        var request = Read("""{"model":"gpt-4o","input":"Hi","max_output_tokens":100,"max_tool_calls":0,"tools":[{"type":"mcp","server_label":"s","server_url":"https://x"}]}""");

        var bound = ResponsesCostEstimator.ByBytes(request, Resolve("gpt-4o"), ServiceTier.Standard, context);

        Assert.Equal(128_000, bound.InputTokens);
    }

    [Theory]
    [InlineData("computer_use_preview")]
    [InlineData("function")]
    [InlineData("local_shell")]
    public void ByBytes_ToolsTheCallerRuns_NeedNoFeeAndAddNoTurns(string tool)
    {
        // The response ends at the call of a tool the caller runs: the next turn is a request of its own.
        var request = Read($$"""{"model":"gpt-4o","input":"Hi","max_output_tokens":100,"tools":[{"type":"{{tool}}"}]}""");

        var bound = ResponsesCostEstimator.ByBytes(request, Resolve("gpt-4o"), ServiceTier.Standard, EstimationContext.Default);

        Assert.Equal(100, bound.OutputTokens);
    }

    [Theory]
    [InlineData("code_interpreter", "code_interpreter")]
    [InlineData("image_generation", "image_generation")]
    [InlineData("mcp", "mcp")]
    [InlineData("file_search_2026_01_01", "file_search_2026_01_01")]
    public void ByBytes_HostedToolWithoutAFee_IsRefusedNamingTheToolAndTheOption(string tool, string configured)
    {
        var context = EstimationContext.Default with
        {
            HostedToolFees = new Dictionary<string, decimal> { ["web_search"] = 0.01m }.ToFrozenDictionary(StringComparer.Ordinal),
        };
        var request = Read($$"""{"model":"gpt-4o","input":"Hi","max_tool_calls":1,"tools":[{"type":"web_search"},{"type":"{{tool}}"}]}""");

        var refusal = Assert.Throws<UnboundedRequestException>(() => ResponsesCostEstimator.ByBytes(request, Resolve("gpt-4o"), ServiceTier.Standard, context));

        Assert.Equal(UnboundedRequestReason.UnboundedToolUse, refusal.Reason);
        Assert.StartsWith($"The Responses request cannot be bounded: it offers the hosted tool '{configured}'", refusal.Message);
        Assert.Contains($"AgentGuardOptions.HostedToolFees[\"{HostedTools.Undated(tool)}\"] = 0.01m", refusal.Message);
    }

    [Fact]
    public void ByBytes_MaxToolCallsZero_NeedsNoFee()
    {
        var request = Read("""{"model":"gpt-4o","input":"Hi","max_output_tokens":10,"max_tool_calls":0,"tools":[{"type":"code_interpreter"}]}""");

        var bound = ResponsesCostEstimator.ByBytes(request, Resolve("gpt-4o"), ServiceTier.Standard, EstimationContext.Default);

        Assert.Equal(10, bound.OutputTokens);
        Assert.Equal(bound.Input.Upper, bound.InputTokens);
    }

    [Theory]
    [InlineData("web_search_preview")]
    [InlineData("web_search_preview_2025_03_11")]
    [InlineData("web_search_2025_08_26")]
    public void ByBytes_WebSearchVariants_UseTheWebSearchFee(string tool)
    {
        var request = Read($$"""{"model":"gpt-4o","input":"Hi","max_output_tokens":10,"max_tool_calls":1,"tools":[{"type":"{{tool}}"}]}""");

        var bound = ResponsesCostEstimator.ByBytes(request, Resolve("gpt-4o"), ServiceTier.Standard, s_fees);

        long input = bound.Input.Upper + 128_000;
        Assert.Equal((long)decimal.Ceiling((input * 2.5m) + (20 * 10m) + 10_000m), bound.Micros);
    }

    [Fact]
    public void ByBytes_KnownPreviousResponse_AddsItsTokens()
    {
        const string body = """{"model":"gpt-4o-mini","input":"And then?","previous_response_id":"resp_1","max_output_tokens":50}""";
        var cache = new ResponseTokenCache();
        cache.Remember("resp_1", 5_000);

        var bound = ResponsesCostEstimator.ByBytes(Read(body), Resolve("gpt-4o-mini"), ServiceTier.Standard, EstimationContext.Default with { ResponseTokens = cache });

        Assert.Equal(Encoding.UTF8.GetByteCount(body) + 3 + 4 + 4 + 5_000, bound.InputTokens);
    }

    [Theory]
    [InlineData("gpt-4o-mini", """ "previous_response_id":"resp_unknown" """, 128_000)]
    [InlineData("gpt-5", """ "previous_response_id":"resp_unknown" """, 272_000)]
    [InlineData("gpt-5", """ "conversation":"conv_1" """, 272_000)]
    [InlineData("gpt-4.1", """ "conversation":{"id":"conv_1"} """, 1_047_576)]
    [InlineData("gpt-4o", """ "prompt":{"id":"pmpt_1"} """, 128_000)]
    [InlineData("o3", """ "input":[{"type":"item_reference","id":"msg_1"}] """, 200_000)]
    [InlineData("o3", """ "input":[{"type":"reasoning","id":"rs_1","summary":[]}] """, 200_000)]
    public void ByBytes_ContextTheBodyDoesNotShow_IsAWholeInputWindow(string model, string field, long window)
    {
        var request = Read($$"""{"model":"{{model}}",{{field}},"max_output_tokens":10}""");
        var cache = new ResponseTokenCache();
        cache.Remember("resp_other", 5);

        var bound = ResponsesCostEstimator.ByBytes(request, Resolve(model), ServiceTier.Standard, EstimationContext.Default with { ResponseTokens = cache });

        Assert.Equal(window, bound.InputTokens);
        Assert.Equal(window, ResponsesCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes($$"""{"model":"{{model}}",{{field}},"max_output_tokens":10}"""), request, Resolve(model), ServiceTier.Standard, EstimationContext.Default, cancellationToken: TestContext.Current.CancellationToken)!.Value.InputTokens);
    }

    [Fact]
    public void ByBytes_AWholeWindowOfGpt54_IsPricedAtTheLongContextRate()
    {
        var request = Read("""{"model":"gpt-5.4","conversation":"conv_1","max_output_tokens":1000}""");

        var bound = ResponsesCostEstimator.ByBytes(request, Resolve("gpt-5.4"), ServiceTier.Standard, EstimationContext.Default);

        Assert.Equal(1_050_000, bound.InputTokens);
        Assert.Equal((long)decimal.Ceiling((1_050_000 * 5.00m) + (1000 * 22.50m)), bound.Micros);
    }

    [Fact]
    public void ByBytes_ToolTurnsCrossingTheThreshold_ArePricedAtTheLongContextRate()
    {
        // One turn of a short input is far below 272,000 tokens; a tool call's extra window crosses it.
        var request = Read("""{"model":"gpt-5.4","input":"Hi","max_output_tokens":10,"max_tool_calls":1,"tools":[{"type":"web_search"}]}""");

        var bound = ResponsesCostEstimator.ByBytes(request, Resolve("gpt-5.4"), ServiceTier.Standard, s_fees);

        Assert.Equal((long)decimal.Ceiling((bound.InputTokens * 5.00m) + (20 * 22.50m) + 10_000m), bound.Micros);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(256)]
    [InlineData(5_000)]
    public void Reprice_IsTheBoundOfTheRequestWithThatCap(int cap)
    {
        const string body = """{"model":"gpt-4o","input":"Hi","max_tool_calls":3,"tools":[{"type":"web_search"},{"type":"code_interpreter"}]}""";
        var request = Read(body);
        var model = Resolve("gpt-4o");
        var bound = ResponsesCostEstimator.ByBytes(request, model, ServiceTier.Standard, s_fees);

        var repriced = ResponsesCostEstimator.Reprice(bound, request, model, ServiceTier.Standard, s_fees, cap);

        Assert.Equal(ResponsesCostEstimator.ByBytes(request, model, ServiceTier.Standard, s_fees, cap), repriced);
        Assert.Equal(bound.Input, repriced.Input);
        Assert.Equal(4L * cap, repriced.OutputTokens);
        Assert.True(repriced.Micros < bound.Micros);
    }

    [Fact]
    public void Reprice_OfATokenizerBound_StaysATokenizerBound()
    {
        const string body = """{"model":"gpt-4o","input":"Hi","max_tool_calls":1,"tools":[{"type":"web_search"}]}""";
        var request = Read(body);
        var bound = ResponsesCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes(body), request, Resolve("gpt-4o"), ServiceTier.Standard, s_fees, cancellationToken: TestContext.Current.CancellationToken)!.Value;

        var repriced = ResponsesCostEstimator.Reprice(bound, request, Resolve("gpt-4o"), ServiceTier.Standard, s_fees, 300);

        Assert.True(repriced.FromTokenizer);
        Assert.Equal(bound.InputTokens, repriced.InputTokens);
        Assert.Equal(600, repriced.OutputTokens);
    }

    [Fact]
    public void ByTokenizer_UnknownEncoding_IsNull()
    {
        var model = new PricedModel("custom", new ModelPrice
        {
            InputUsdPerMillionTokens = 1m,
            OutputUsdPerMillionTokens = 2m,
            ContextWindowTokens = 10_000,
            MaxOutputTokens = 1_000,
        });
        const string body = """{"model":"custom","input":"Hi"}""";

        Assert.Null(ResponsesCostEstimator.ByTokenizer(Encoding.UTF8.GetBytes(body), Read(body), model, ServiceTier.Standard, EstimationContext.Default, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public void ByBytes_PriceMultiplier_MultipliesTokensAndFees()
    {
        var request = Read("""{"model":"gpt-4o","input":"Hi","max_output_tokens":10,"max_tool_calls":1,"tools":[{"type":"web_search"}]}""");

        var plain = ResponsesCostEstimator.ByBytes(request, Resolve("gpt-4o"), ServiceTier.Standard, s_fees);
        var doubled = ResponsesCostEstimator.ByBytes(request, Resolve("gpt-4o"), ServiceTier.Standard, s_fees with { PriceMultiplier = 2m });

        Assert.InRange(doubled.Micros, (2 * plain.Micros) - 1, 2 * plain.Micros);
    }

    private static long OracleWorstCaseMicros(string body, ResponsesRequest request)
    {
        var price = FakePrices.Resolve(request.Model);
        int input = FakeMeter.CountResponsesInputTokens(body);
        int output = Math.Min(request.MaxOutputTokens ?? price.MaxOutput, price.ContextWindow - input);
        return FakeMeter.MicrosOf(FakeMeter.PriceOf(request.Model, input, 0, output));
    }

    private static ResponsesRequest Read(string body) => ResponsesRequestReader.Read(Encoding.UTF8.GetBytes(body));

    private static PricedModel Resolve(string model) =>
        PriceTable.Embedded.TryResolve(model, out var priced) ? priced : throw new InvalidOperationException(model);
}
