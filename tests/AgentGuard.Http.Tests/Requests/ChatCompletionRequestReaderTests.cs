using System.Text;
using AgentGuard.Http.Estimation;
using AgentGuard.Http.Providers.OpenAI;
using AgentGuard.Http.Requests;
using AgentGuard.Http.Tests.TestSupport;


namespace AgentGuard.Http.Tests.Requests;

public sealed class ChatCompletionRequestReaderTests
{
    [Fact]
    public void Read_MinimalBody_HasDefaults()
    {
        const string body = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}""";

        var request = Read(body);

        Assert.Equal("gpt-4o-mini", request.Model);
        Assert.Equal(Encoding.UTF8.GetByteCount(body), request.BodyBytes);
        Assert.Equal(1, request.MessageCount);
        Assert.Equal(0, request.NameCount);
        Assert.Equal(0, request.ToolCount);
        Assert.False(request.HasResponseFormat);
        Assert.Equal(1, request.Choices);
        Assert.Null(request.MaxCompletionTokens);
        Assert.Null(request.MaxTokens);
        Assert.Equal(0, request.PredictionBytes);
        Assert.False(request.Stream);
        Assert.Null(request.IncludeUsage);
        Assert.Null(request.ServiceTier);
        Assert.False(request.NeedsUsageInjected);
        Assert.False(request.AudioOutput);
    }

    [Fact]
    public void Read_FullBody_CountsEverything()
    {
        const string prediction = """{"type":"content","content":"déjà vu"}""";
        string body = """
            {
              "model": "gpt-4o-2024-08-06",
              "messages": [
                {"role": "system", "content": "Be brief.", "name": "rules"},
                {"role": "user", "name": "ann", "content": [{"type": "text", "text": "Hi"}, {"type": "refusal", "refusal": "no"}]},
                {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
                {"role": "tool", "tool_call_id": "c1", "content": "42"}
              ],
              "tools": [
                {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"name": {"type": "string"}}}}},
                {"type": "function", "function": {"name": "g"}}
              ],
              "functions": [{"name": "legacy"}],
              "n": 3,
              "max_tokens": 100,
              "max_completion_tokens": 200,
              "stream": true,
              "stream_options": {"include_usage": false, "other": 1},
              "service_tier": "flex",
              "prediction": PREDICTION,
              "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}},
              "audio": null,
              "modalities": ["text"],
              "metadata": {"name": "not a message name"},
              "user": "u1"
            }
            """.Replace("PREDICTION", prediction, StringComparison.Ordinal);

        var request = Read(body);

        Assert.Equal("gpt-4o-2024-08-06", request.Model);
        Assert.Equal(Encoding.UTF8.GetByteCount(body), request.BodyBytes);
        Assert.Equal(4, request.MessageCount);
        Assert.Equal(2, request.NameCount);
        Assert.Equal(3, request.ToolCount);
        Assert.True(request.HasResponseFormat);
        Assert.Equal(3, request.Choices);
        Assert.Equal(100, request.MaxTokens);
        Assert.Equal(200, request.MaxCompletionTokens);
        Assert.Equal(Encoding.UTF8.GetByteCount(prediction), request.PredictionBytes);
        Assert.True(request.Stream);
        Assert.False(request.IncludeUsage);
        Assert.Equal("flex", request.ServiceTier);
        Assert.True(request.NeedsUsageInjected);
    }

    [Fact]
    public void Read_StringPrediction_CountsItsQuotedBytes()
    {
        var request = Read("""{"model":"m","messages":[],"prediction":"abc"}""");

        Assert.Equal(5, request.PredictionBytes);
        Assert.Equal(0, request.MessageCount);
    }

    [Theory]
    [InlineData("null", false)]
    [InlineData("{\"type\":\"text\"}", true)]
    [InlineData("\"auto\"", true)]
    public void Read_ResponseFormat_IsPresentUnlessNull(string value, bool expected)
    {
        Assert.Equal(expected, Read($$"""{"model":"m","messages":[],"response_format":{{value}}}""").HasResponseFormat);
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
    [InlineData(",\"stream\":false,\"stream_options\":{\"include_usage\":false}", false, false)]
    [InlineData(",\"stream_options\":{\"include_obfuscation\":false,\"include_usage\":true},\"stream\":true", true, false)]
    public void NeedsUsageInjected_StreamWithoutIncludeUsage_IsTrue(string fields, bool? includeUsage, bool needsInjection)
    {
        var request = Read($$"""{"model":"m","messages":[]{{fields}}}""");

        Assert.Equal(includeUsage, request.IncludeUsage);
        Assert.Equal(needsInjection, request.NeedsUsageInjected);
    }

    [Theory]
    [InlineData("\"n\":null", 1)]
    [InlineData("\"n\":1", 1)]
    [InlineData("\"n\":8", 8)]
    public void Read_N_IsTheChoiceCount(string field, int expected)
    {
        Assert.Equal(expected, Read($$"""{"model":"m","messages":[],{{field}}}""").Choices);
    }

    [Theory]
    [InlineData("\"max_tokens\":0", 0, null)]
    [InlineData("\"max_tokens\":null", null, null)]
    [InlineData("\"max_completion_tokens\":2147483647", null, 2147483647)]
    [InlineData("\"max_tokens\":5,\"max_completion_tokens\":7", 5, 7)]
    public void Read_OutputCaps_AreReadAsSent(string fields, int? maxTokens, int? maxCompletionTokens)
    {
        var request = Read($$"""{"model":"m","messages":[],{{fields}}}""");

        Assert.Equal(maxTokens, request.MaxTokens);
        Assert.Equal(maxCompletionTokens, request.MaxCompletionTokens);
    }

    [Theory]
    [InlineData("\"tools\":null", 0)]
    [InlineData("\"tools\":[]", 0)]
    [InlineData("\"tools\":[{},{},{}]", 3)]
    [InlineData("\"functions\":[{\"name\":\"a\"},{\"name\":\"b\"}]", 2)]
    [InlineData("\"tools\":[{}],\"functions\":[{},{}]", 3)]
    public void Read_ToolsAndFunctions_AreCountedTogether(string fields, int expected)
    {
        Assert.Equal(expected, Read($$"""{"model":"m","messages":[],{{fields}}}""").ToolCount);
    }

    [Fact]
    public void Read_NamesOutsideMessages_AreNotCounted()
    {
        var request = Read("""{"model":"m","tools":[{"function":{"name":"f"}}],"messages":[{"role":"user","content":"x","name":"a"},{"role":"user","content":"y"}],"metadata":{"name":"b"}}""");

        Assert.Equal(2, request.MessageCount);
        Assert.Equal(1, request.NameCount);
    }

    [Fact]
    public void Read_TextContentParts_AreAccepted()
    {
        var request = Read("""{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"text":"b","type":"text"},"odd",{"type":"refusal","refusal":"no"}]}]}""");

        Assert.Equal(1, request.MessageCount);
    }

    [Theory]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("\"text\"", "not a JSON object")]
    [InlineData("not json", "not valid JSON")]
    [InlineData("", "not valid JSON")]
    [InlineData("{\"model\":\"m\",\"messages\":[]", "not valid JSON")]
    [InlineData("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hel", "not valid JSON")]
    [InlineData("{\"model\":\"m\",\"messages\":[]} x", "not valid JSON")]
    [InlineData("{\"model\":\"m\",\"messages\":[]}{}", "not valid JSON")]
    [InlineData("{\"model\":\"m\",\"messages\":[],}", "not valid JSON")]
    [InlineData("{\"messages\":[]}", "no \"model\"")]
    [InlineData("{\"model\":null,\"messages\":[]}", "no \"model\"")]
    [InlineData("{\"model\":\"\",\"messages\":[]}", "no \"model\"")]
    [InlineData("{\"model\":5,\"messages\":[]}", "\"model\" must be a string")]
    [InlineData("{\"model\":\"m\"}", "no \"messages\"")]
    [InlineData("{\"model\":\"m\",\"messages\":{}}", "\"messages\" must be an array")]
    [InlineData("{\"model\":\"m\",\"messages\":null}", "\"messages\" must be an array")]
    [InlineData("{\"model\":\"m\",\"messages\":[\"hi\"]}", "every item of \"messages\" must be an object")]
    [InlineData("{\"model\":\"m\",\"messages\":[],\"n\":0}", "\"n\" must be at least 1")]
    [InlineData("{\"model\":\"m\",\"messages\":[],\"n\":-1}", "\"n\" must be a whole number")]
    [InlineData("{\"model\":\"m\",\"messages\":[],\"n\":1.5}", "\"n\" must be a whole number")]
    [InlineData("{\"model\":\"m\",\"messages\":[],\"max_tokens\":-1}", "\"max_tokens\" must be a whole number")]
    [InlineData("{\"model\":\"m\",\"messages\":[],\"max_tokens\":\"100\"}", "\"max_tokens\" must be a whole number")]
    [InlineData("{\"model\":\"m\",\"messages\":[],\"max_tokens\":2147483648}", "\"max_tokens\" must be a whole number")]
    [InlineData("{\"model\":\"m\",\"messages\":[],\"max_completion_tokens\":-5}", "\"max_completion_tokens\" must be a whole number")]
    [InlineData("{\"model\":\"m\",\"messages\":[],\"max_completion_tokens\":true}", "\"max_completion_tokens\" must be a whole number")]
    [InlineData("{\"model\":\"m\",\"messages\":[],\"stream\":\"true\"}", "\"stream\" must be true or false")]
    [InlineData("{\"model\":\"m\",\"messages\":[],\"stream\":1}", "\"stream\" must be true or false")]
    [InlineData("{\"model\":\"m\",\"messages\":[],\"stream_options\":true}", "\"stream_options\" must be an object")]
    [InlineData("{\"model\":\"m\",\"messages\":[],\"stream_options\":{\"include_usage\":\"yes\"}}", "\"stream_options.include_usage\" must be true or false")]
    [InlineData("{\"model\":\"m\",\"messages\":[],\"service_tier\":1}", "\"service_tier\" must be a string")]
    [InlineData("{\"model\":\"m\",\"messages\":[],\"tools\":{}}", "\"tools\" and \"functions\" must be arrays")]
    [InlineData("{\"model\":\"m\",\"messages\":[],\"functions\":\"f\"}", "\"tools\" and \"functions\" must be arrays")]
    public void Read_MalformedBody_ThrowsMalformedNamingTheProblem(string body, string problem)
    {
        var ex = Assert.Throws<UnboundedRequestException>(() => ChatCompletionRequestReader.Read(Encoding.UTF8.GetBytes(body)));

        Assert.Equal(UnboundedRequestReason.MalformedBody, ex.Reason);
        Assert.StartsWith("The Chat Completions request cannot be read:", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}]}]""", "audio input (input_audio), whose audio tokens cannot be known before it is sent")]
    [InlineData("""[{"role":"user","content":[{"input_audio":{"data":"AAAA","format":"wav"},"type":"input_audio"}]}]""", "decoding the audio's duration")]
    [InlineData("""[{"role":"user","content":[{"type":"file","file":{"file_id":"f1"}}]}]""", "file input")]
    [InlineData("""[{"role":"assistant","audio":{"id":"a1"}}]""", "an assistant message refers to an earlier audio response")]
    [InlineData("""[{"role":"assistant","audio":{"id":"a1"}}]""", "billed as input but cannot be counted from the body")]
    public void Read_NonTextContent_ThrowsUnsupportedContent(string messages, string problem)
    {
        var ex = Assert.Throws<UnboundedRequestException>(() => Read($$"""{"model":"gpt-4o","messages":{{messages}}}"""));

        Assert.Equal(UnboundedRequestReason.UnsupportedContent, ex.Reason);
        Assert.StartsWith("The Chat Completions request cannot be bounded:", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ImageParts_AreRecordedWithTheirSizeAndDetail_AndTheirBytesAreNotText()
    {
        string png = TestImages.DataUrl("png", TestImages.Png(1024, 2048));
        string body = $$$"""{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"look"},{"image_url":{"detail":"low","url":"{{{png}}}"},"type":"image_url"},{"type":"image_url","image_url":{"url":"https://x/y.png"}},{"type":"image_url","image_url":"{{{png}}}"}]}]}""";

        var request = Read(body);

        Assert.NotNull(request.Images);
        Assert.Equal(
            [new ImageInput(1024, 2048, ImageDetail.Low), new ImageInput(null, null, ImageDetail.Auto), new ImageInput(1024, 2048, ImageDetail.Auto)],
            request.Images.Images);
        Assert.Equal((2 * png.Length) + "https://x/y.png".Length, request.Images.UrlBytes);
        Assert.Equal(body.Length - request.Images.UrlBytes, request.TextBytes);
    }

    [Theory]
    [InlineData("original")]
    [InlineData("ultra")]
    [InlineData("1")]
    public void Read_ImageWithADetailLevelWithoutARule_IsRefused(string detail)
    {
        string body = $$$"""{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/y.png","detail":"{{{detail}}}"}}]}]}""";

        var ex = Assert.Throws<UnboundedRequestException>(() => Read(body));

        Assert.Equal(UnboundedRequestReason.UnsupportedContent, ex.Reason);
        Assert.Contains($"detail '{detail}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TextOnly_HasNoImages() => Assert.Null(Read("""{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"a"}]}]}""").Images);

    [Theory]
    [InlineData("\"audio\":{\"voice\":\"alloy\",\"format\":\"wav\"}")]
    [InlineData("\"modalities\":[\"text\",\"audio\"]")]
    [InlineData("\"modalities\":[\"audio\"]")]
    [InlineData("\"modalities\":[\"text\"],\"audio\":{\"voice\":\"alloy\",\"format\":\"wav\"}")]
    [InlineData("\"audio\":{\"voice\":\"alloy\",\"format\":\"wav\"},\"modalities\":null")]
    [InlineData("\"modalities\":\"audio\"")]
    public void Read_AudioOutput_IsRecorded_ForTheEstimatorToPriceOrRefuse(string field)
    {
        var request = Read($$"""{"model":"gpt-4o-audio-preview","messages":[{"role":"user","content":"hi"}],{{field}},"max_completion_tokens":20}""");

        Assert.True(request.AudioOutput);
        Assert.Equal(1, request.MessageCount);
        Assert.Equal(20, request.OutputCap);
    }

    [Theory]
    [InlineData("\"modalities\":[\"text\"]")]
    [InlineData("\"modalities\":null")]
    [InlineData("\"audio\":null")]
    [InlineData("\"modalities\":[\"text\"],\"audio\":null")]
    public void Read_TextOnlyModalities_IsAccepted(string field)
    {
        var request = Read($$"""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],{{field}},"n":2}""");

        Assert.Equal(2, request.Choices);
        Assert.Equal(1, request.MessageCount);
        Assert.False(request.AudioOutput);
    }

    [Fact]
    public void Read_MessageWithNullAudio_IsAccepted()
    {
        var request = Read("""{"model":"gpt-4o","messages":[{"role":"assistant","audio":null,"content":"hi","name":"bot"}]}""");

        Assert.Equal(1, request.MessageCount);
        Assert.Equal(1, request.NameCount);
    }

    [Fact]
    public void Read_PropertiesInAnyOrder_AreAllRead()
    {
        var request = Read("""{"stream":true,"n":2,"messages":[{"content":"x","role":"user"}],"unknown":{"a":[1,{"b":null}]},"model":"gpt-4o-mini"}""");

        Assert.Equal("gpt-4o-mini", request.Model);
        Assert.Equal(2, request.Choices);
        Assert.True(request.Stream);
        Assert.Equal(1, request.MessageCount);
    }

    private static ChatCompletionRequest Read(string body) => ChatCompletionRequestReader.Read(Encoding.UTF8.GetBytes(body));
}
