using System.Text;
using AgentGuard.Http.Estimation;
using AgentGuard.Http.Providers.OpenAI;
using AgentGuard.Http.Requests;
using AgentGuard.Http.Tests.TestSupport;

namespace AgentGuard.Http.Tests.Responses;

public sealed class ResponsesRequestReaderTests
{
    private static ResponsesRequest Read(string body) => ResponsesRequestReader.Read(Encoding.UTF8.GetBytes(body));

    private static UnboundedRequestException Refused(string body) => Assert.Throws<UnboundedRequestException>(() => Read(body));

    [Fact]
    public void Read_StringInput_IsOneUserMessage()
    {
        const string body = """{"model":"gpt-4o","input":"Hello"}""";

        var request = Read(body);

        Assert.Equal("gpt-4o", request.Model);
        Assert.Equal(Encoding.UTF8.GetByteCount(body), request.BodyBytes);
        Assert.Equal(1, request.InputItemCount);
        Assert.True(request.HasStringInput);
        Assert.False(request.HasInstructions);
        Assert.False(request.Stream);
        Assert.False(request.RunsInBackground);
        Assert.False(request.NeedsUsageInjected);
        Assert.Null(request.OutputCap);
        Assert.Equal("max_output_tokens", request.OutputCapMember);
        Assert.Empty(request.HostedToolTypes);
        Assert.False(request.HasServerSideItems || request.HasConversation || request.HasPrompt);
        Assert.Null(request.PreviousResponseId);
    }

    [Fact]
    public void Read_EveryField_IsRecorded()
    {
        const string body = """
            {"model":"gpt-5","instructions":"Be brief.","input":[
              {"role":"user","content":"Hi"},
              {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Hello","annotations":[]},{"type":"refusal","refusal":"no"}]},
              {"role":"user","content":[{"type":"input_text","text":"Weather?"}]},
              {"type":"function_call","call_id":"c1","name":"weather","arguments":"{\"city\":\"Paris\"}"},
              {"type":"function_call_output","call_id":"c1","output":"sunny"}],
             "max_output_tokens":500,"stream":true,"background":true,"service_tier":"flex","previous_response_id":"resp_1",
             "tools":[{"type":"function","name":"weather","parameters":{}},{"type":"custom","name":"c"},{"type":"web_search"},
                      {"type":"file_search","vector_store_ids":["vs_1"]},{"type":"web_search"},{"type":"local_shell"},{"type":"mcp","server_label":"x"}],
             "max_tool_calls":3,"text":{"format":{"type":"json_schema","name":"w","schema":{"type":"object"}},"verbosity":"low"},
             "reasoning":{"effort":"high"},"store":true,"metadata":{"a":"b"}}
            """;

        var request = Read(body);

        Assert.Equal(5, request.InputItemCount);
        Assert.False(request.HasStringInput);
        Assert.True(request.HasInstructions);
        Assert.Equal(500, request.OutputCap);
        Assert.Equal(500, request.MaxOutputTokens);
        Assert.True(request.Stream);
        Assert.True(request.RunsInBackground);
        Assert.False(request.NeedsUsageInjected);
        Assert.Equal("flex", request.ServiceTier);
        Assert.Equal("resp_1", request.PreviousResponseId);
        Assert.Equal(7, request.ToolCount);
        Assert.Equal(["web_search", "file_search", "mcp"], request.HostedToolTypes);
        Assert.Equal(3, request.MaxToolCalls);
        Assert.True(request.HasTextFormat);
        Assert.False(request.HasServerSideItems);
    }

    [Theory]
    [InlineData("""{"model":"m","input":"x","conversation":"conv_1"}""", true, false)]
    [InlineData("""{"model":"m","input":"x","conversation":{"id":"conv_1"}}""", true, false)]
    [InlineData("""{"model":"m","input":"x","conversation":null}""", false, false)]
    [InlineData("""{"model":"m","prompt":{"id":"pmpt_1","version":"2","variables":{"city":"Paris"}}}""", false, true)]
    [InlineData("""{"model":"m","input":"x","prompt":null}""", false, false)]
    public void Read_ConversationAndPrompt_AreContextTheBodyDoesNotShow(string body, bool conversation, bool prompt)
    {
        var request = Read(body);

        Assert.Equal(conversation, request.HasConversation);
        Assert.Equal(prompt, request.HasPrompt);
    }

    [Theory]
    [InlineData("""{"type":"item_reference","id":"msg_1"}""")]
    [InlineData("""{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"thought"}]}""")]
    [InlineData("""{"id":"rs_1","summary":[],"encrypted_content":"gAAA","type":"reasoning"}""")]
    public void Read_ItemsStoredOnTheServer_AreMarked(string item)
    {
        var request = Read($$"""{"model":"m","input":[{"role":"user","content":"x"},{{item}}]}""");

        Assert.True(request.HasServerSideItems);
        Assert.Equal(2, request.InputItemCount);
    }

    [Theory]
    [InlineData("""{"model":"m","text":{"verbosity":"low"}}""", false)]
    [InlineData("""{"model":"m","text":{"format":null}}""", false)]
    [InlineData("""{"model":"m","text":null}""", false)]
    [InlineData("""{"model":"m","text":{"format":{"type":"text"}}}""", true)]
    public void Read_TextFormat(string body, bool hasFormat) => Assert.Equal(hasFormat, Read(body).HasTextFormat);

    [Theory]
    [InlineData("""{"model":"m","input":null,"instructions":null,"tools":null,"max_output_tokens":null,"max_tool_calls":null,"stream":null,"background":null,"service_tier":null,"previous_response_id":null}""")]
    [InlineData("""{"input":[],"model":"m"}""")]
    public void Read_NullsAndEmpties_AreAbsent(string body)
    {
        var request = Read(body);

        Assert.Equal(0, request.InputItemCount);
        Assert.False(request.HasInstructions);
        Assert.Equal(0, request.ToolCount);
        Assert.Null(request.OutputCap);
        Assert.Null(request.MaxToolCalls);
        Assert.False(request.Stream || request.Background);
    }

    [Theory]
    [InlineData("not json", "the body is not valid JSON")]
    [InlineData("[1]", "the body is not a JSON object")]
    [InlineData("""{"model":"m"} {}""", "the body is not")]
    [InlineData("""{"model":"m","input":"x" """, "the body is not")]
    [InlineData("""{"input":"x"}""", "it has no \"model\"")]
    [InlineData("""{"model":"","input":"x"}""", "it has no \"model\"")]
    [InlineData("""{"model":3}""", "\"model\" must be a string")]
    [InlineData("""{"model":"m","input":5}""", "\"input\" must be a string or an array of items")]
    [InlineData("""{"model":"m","input":["x"]}""", "every item of \"input\" must be an object")]
    [InlineData("""{"model":"m","instructions":["x"]}""", "\"instructions\" must be a string")]
    [InlineData("""{"model":"m","max_output_tokens":-1}""", "\"max_output_tokens\" must be a whole number of at least 0")]
    [InlineData("""{"model":"m","max_output_tokens":"100"}""", "\"max_output_tokens\" must be a whole number of at least 0")]
    [InlineData("""{"model":"m","max_tool_calls":1.5}""", "\"max_tool_calls\" must be a whole number of at least 0")]
    [InlineData("""{"model":"m","stream":"yes"}""", "\"stream\" must be true or false")]
    [InlineData("""{"model":"m","background":1}""", "\"background\" must be true or false")]
    [InlineData("""{"model":"m","tools":{"type":"web_search"}}""", "\"tools\" must be an array")]
    [InlineData("""{"model":"m","tools":["web_search"]}""", "every tool must be an object with a \"type\"")]
    [InlineData("""{"model":"m","tools":[{"name":"f"}]}""", "every tool must be an object with a \"type\"")]
    [InlineData("""{"model":"m","tools":[{"type":7}]}""", "every tool must be an object with a \"type\"")]
    [InlineData("""{"model":"m","conversation":3}""", "\"conversation\" must be a conversation id or an object")]
    [InlineData("""{"model":"m","prompt":"pmpt_1"}""", "\"prompt\" must be an object")]
    [InlineData("""{"model":"m","text":"json"}""", "\"text\" must be an object")]
    public void Read_Malformed_IsRefusedWithItsReason(string body, string reason)
    {
        var refusal = Refused(body);

        Assert.Equal(UnboundedRequestReason.MalformedBody, refusal.Reason);
        Assert.StartsWith("The Responses request cannot be read: ", refusal.Message);
        Assert.Contains(reason, refusal.Message);
    }

    [Theory]
    [InlineData("""{"role":"user","content":[{"type":"input_file","file_id":"file-1"}]}""", "it has a file input (input_file)")]
    [InlineData("""{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}]}""", "it has an audio input")]
    [InlineData("""{"role":"user","content":[{"type":"input_video","url":"x"}]}""", "it has a content part of type 'input_video'")]
    public void Read_Media_IsRefusedAsUnsupported(string item, string reason)
    {
        var refusal = Refused($$"""{"model":"m","input":[{{item}}]}""");

        Assert.Equal(UnboundedRequestReason.UnsupportedContent, refusal.Reason);
        Assert.StartsWith("The Responses request cannot be bounded: ", refusal.Message);
        Assert.Contains(reason, refusal.Message);
    }

    [Fact]
    public void Read_Images_AreRecordedWithTheirSizeWhenInline_AndTheirWorstCaseOtherwise()
    {
        string png = TestImages.DataUrl("png", TestImages.Png(1024, 2048));
        string body = $$$"""
            {"model":"gpt-4o","input":[
              {"role":"user","content":[{"type":"input_text","text":"a"},{"image_url":"{{{png}}}","type":"input_image","detail":"low"},{"type":"input_image","image_url":"https://x/cat.png"}]},
              {"type":"function_call_output","call_id":"c","output":[{"type":"input_image","file_id":"file-1","detail":"high"}]},
              {"type":"computer_call_output","call_id":"c","output":{"type":"computer_screenshot","image_url":"data:image/png;base64,AAAA"}}]}
            """;

        var request = ResponsesRequestReader.Read(Encoding.UTF8.GetBytes(body));

        Assert.NotNull(request.Images);
        Assert.Equal(
            [new ImageInput(1024, 2048, ImageDetail.Low), new ImageInput(null, null, ImageDetail.Auto), new ImageInput(null, null, ImageDetail.High), new ImageInput(null, null, ImageDetail.Auto)],
            request.Images.Images);
        Assert.Equal(png.Length + "https://x/cat.png".Length, request.Images.UrlBytes);
    }

    [Fact]
    public void Read_MediaInAPromptsVariables_IsRefused()
    {
        var refusal = Refused("""{"model":"m","prompt":{"id":"pmpt_1","variables":{"doc":{"type":"input_file","file_id":"file-1"}}}}""");

        Assert.Equal(UnboundedRequestReason.UnsupportedContent, refusal.Reason);
        Assert.Contains("input_file", refusal.Message);
    }

    [Fact]
    public void Read_TextThatMentionsMediaTypes_IsNotRefused()
    {
        // A type name in a text value, or a "type" key inside a tool's schema, is no content part.
        var request = Read("""
            {"model":"m","input":[{"role":"user","content":"send {\"type\":\"input_image\"} please"},
              {"type":"function_call","call_id":"c","name":"f","arguments":"{\"type\":\"input_file\"}"}],
             "tools":[{"type":"function","name":"f","parameters":{"type":"object","properties":{"type":{"type":"string"}}}}]}
            """);

        Assert.Equal(2, request.InputItemCount);
    }
}
