using System.Text;
using AgentGuard.Http.Providers.OpenAI;
using AgentGuard.Http.Settlement;

namespace AgentGuard.Http.Tests.Settlement;

public sealed class ResponsesUsageReaderTests
{
    private const string Usage = """{"input_tokens":120,"input_tokens_details":{"cached_tokens":20},"output_tokens":35,"output_tokens_details":{"reasoning_tokens":10},"total_tokens":155}""";

    private static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    [Fact]
    public void TryReadResponse_Completed_ReadsIdStatusTierAndUsage()
    {
        var json = $$"""{"id":"resp_1","object":"response","status":"completed","service_tier":"flex","output":[],"usage":{{Usage}}}""";

        Assert.True(UsageReader.TryReadResponse(Utf8(json), out var response));

        Assert.Equal("resp_1", response.Id);
        Assert.Equal("completed", response.Status);
        Assert.True(response.IsTerminal);
        Assert.False(response.IsPending);
        var usage = Assert.NotNull(response.Usage);
        Assert.Equal(new TokenUsage(120, 20, 35, "flex") { ResponseId = "resp_1" }, usage);
        Assert.Null(usage.HostedToolCalls);
    }

    [Fact]
    public void TryReadResponse_UsageBeforeId_ReadsTheSame()
    {
        var json = $$"""{"usage":{{Usage}},"status":"incomplete","id":"resp_2"}""";

        Assert.True(UsageReader.TryReadResponse(Utf8(json), out var response));

        Assert.Equal("resp_2", response.Usage!.Value.ResponseId);
        Assert.Equal(120, response.Usage.Value.PromptTokens);
        Assert.True(response.IsTerminal);
    }

    [Theory]
    [InlineData("queued", true, false)]
    [InlineData("in_progress", true, false)]
    [InlineData("completed", false, true)]
    [InlineData("incomplete", false, true)]
    [InlineData("failed", false, true)]
    [InlineData("cancelled", false, true)]
    public void TryReadResponse_Status(string status, bool pending, bool terminal)
    {
        Assert.True(UsageReader.TryReadResponse(Utf8($$"""{"id":"resp_1","status":"{{status}}","usage":null,"output":[]}"""), out var response));

        Assert.Equal(pending, response.IsPending);
        Assert.Equal(terminal, response.IsTerminal);
        Assert.Null(response.Usage);
    }

    [Fact]
    public void TryReadResponse_CountsHostedToolCallsByTool()
    {
        var json = $$$"""
            {"id":"resp_1","status":"completed","output":[
              {"id":"ws_1","type":"web_search_call","status":"completed","action":{"type":"search","query":"q"}},
              {"type":"web_search_call","id":"ws_2","status":"completed"},
              {"id":"fs_1","type":"file_search_call","queries":["q"],"results":null},
              {"id":"ci_1","type":"code_interpreter_call","code":"print(1)","outputs":[{"type":"logs","logs":"1"}]},
              {"id":"ig_1","type":"image_generation_call","result":"AAAA"},
              {"id":"mcp_1","type":"mcp_call","name":"t","arguments":"{}"},
              {"id":"cu_1","type":"computer_call","action":{"type":"click"}},
              {"id":"fc_1","type":"function_call","name":"f","arguments":"{}"},
              {"id":"rs_1","type":"reasoning","summary":[]},
              {"id":"msg_1","type":"message","role":"assistant","content":[{"type":"output_text","text":"web_search_call","annotations":[]}]}],
             "usage":{{{Usage}}}}
            """;

        Assert.True(UsageReader.TryReadResponse(Utf8(json), out var response));

        var calls = response.Usage!.Value.HostedToolCalls!;
        Assert.Equal(
            new Dictionary<string, int> { ["web_search"] = 2, ["file_search"] = 1, ["code_interpreter"] = 1, ["image_generation"] = 1, ["mcp"] = 1 },
            calls.OrderBy(c => c.Key).ToDictionary());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"id":"resp_1","usage":{"input_tokens":""")]
    public void TryReadResponse_NotAResponse_IsFalse(string json) => Assert.False(UsageReader.TryReadResponse(Utf8(json), out _));

    [Fact]
    public void TryReadResponse_CachedTokensAboveTheInput_AreClamped()
    {
        Assert.True(UsageReader.TryReadResponse(Utf8("""{"status":"completed","usage":{"input_tokens":5,"input_tokens_details":{"cached_tokens":9},"output_tokens":1}}"""), out var response));

        Assert.Equal(5, response.Usage!.Value.CachedTokens);
    }

    [Theory]
    [InlineData("response.completed")]
    [InlineData("response.incomplete")]
    [InlineData("response.failed")]
    public void TryReadTerminalEvent_TerminalEventsWithUsage_AreTheLastWord(string type)
    {
        var json = $$$"""{"type":"{{{type}}}","sequence_number":42,"response":{"id":"resp_9","object":"response","status":"x","service_tier":"default","output":[{"type":"web_search_call","id":"ws"}],"usage":{{{Usage}}}}}""";

        Assert.True(UsageReader.TryReadTerminalEvent(Utf8(json), out var usage));

        Assert.Equal((120L, 20L, 35L, "default", "resp_9"), (usage.PromptTokens, usage.CachedTokens, usage.CompletionTokens, usage.ServiceTier, usage.ResponseId));
        Assert.Equal(1, usage.HostedToolCalls!["web_search"]);
    }

    [Fact]
    public void TryReadTerminalEvent_TypeAfterTheResponse_IsRead()
    {
        var json = $$"""{"response":{"id":"resp_9","usage":{{Usage}}},"type":"response.completed"}""";

        Assert.True(UsageReader.TryReadTerminalEvent(Utf8(json), out var usage));
        Assert.Equal(35, usage.CompletionTokens);
    }

    [Theory]
    [InlineData("""{"type":"response.created","response":{"id":"r","status":"in_progress","usage":null}}""")]
    [InlineData("""{"type":"response.in_progress","response":{"id":"r","usage":{"input_tokens":1,"output_tokens":1}}}""")]
    [InlineData("""{"type":"response.completed","response":{"id":"r","usage":null}}""")]
    [InlineData("""{"type":"response.output_text.delta","delta":"\"usage\":{}"}""")]
    [InlineData("""{"usage":{"prompt_tokens":1,""")]
    [InlineData("""{"type":"error","code":"server_error","message":"boom"}""")]
    public void TryReadTerminalEvent_OtherEvents_AreNotTheLastWord(string json) => Assert.False(UsageReader.TryReadTerminalEvent(Utf8(json), out _));

    [Fact]
    public void TryRead_ChatCompletion_StillReadsChatUsage()
    {
        Assert.True(UsageReader.TryRead(Utf8("""{"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":4,"prompt_tokens_details":{"cached_tokens":2}}}"""), out var usage, out bool noChoices));

        Assert.True(noChoices);
        Assert.Equal(new TokenUsage(10, 2, 4, null), usage);
    }
}
