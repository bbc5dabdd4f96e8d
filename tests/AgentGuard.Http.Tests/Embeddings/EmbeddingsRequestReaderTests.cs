using System.Text;
using AgentGuard.Http.Providers.OpenAI;
using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Tests.Embeddings;

public sealed class EmbeddingsRequestReaderTests
{
    [Fact]
    public void Read_StringInput_IsOneItemOfItsBytes()
    {
        const string body = """{"model":"text-embedding-3-small","input":"Héllo 你好 👋"}""";

        var request = Read(body);

        Assert.Same(OpenAIOperations.Embeddings, request.Operation);
        Assert.Equal("text-embedding-3-small", request.Model);
        Assert.Equal(Encoding.UTF8.GetByteCount(body), request.BodyBytes);
        Assert.Equal(new TextOrTokenIds(1, Encoding.UTF8.GetByteCount("Héllo 你好 👋"), 0, Encoding.UTF8.GetByteCount("Héllo 你好 👋")), request.Input);
        Assert.Null(request.OutputCap);
        Assert.False(request.Stream);
        Assert.False(request.NeedsUsageInjected);
        Assert.Null(request.ServiceTier);
    }

    [Fact]
    public void Read_EscapedString_CountsItsEscapedBytesWhichAreNeverFewerThanItsText()
    {
        // "a\n\u00e9\ud83d\udc4b" is 1 + 1 + 2 + 4 = 8 bytes of text, written in 1 + 2 + 6 + 12 = 21 bytes.
        var request = Read("""{"model":"m","input":"a\n\u00e9\ud83d\udc4b"}""");

        Assert.Equal(21, request.Input.Units);
        Assert.True(request.Input.Units >= Encoding.UTF8.GetByteCount("a\né👋"));
    }

    [Theory]
    [InlineData("""["one","two","three"]""", 3, 11, 0, 5)]
    [InlineData("""[""]""", 1, 0, 0, 0)]
    [InlineData("""[1,2,3,100257]""", 1, 4, 4, 4)]
    [InlineData("""[0]""", 1, 1, 1, 1)]
    [InlineData("""[[1,2,3],[4],[5,6]]""", 3, 6, 1, 3)]
    [InlineData("""[[],[4]]""", 2, 1, 0, 1)]
    [InlineData("""[ [ 7 , 8 ] ]""", 1, 2, 2, 2)]
    public void Read_EveryInputShape_IsMeasured(string input, int items, long units, long minItemTokens, long maxItemUnits)
    {
        var request = Read($$"""{"model":"m","input":{{input}}}""");

        Assert.Equal(new TextOrTokenIds(items, units, minItemTokens, maxItemUnits), request.Input);
    }

    [Fact]
    public void Read_OtherMembers_AreSkippedAndServiceTierIsRead()
    {
        var request = Read("""
            {"encoding_format":"base64","dimensions":256,"user":"u-1","input":["a","b"],"extra":{"nested":[1,{"input":"no"}]},
             "service_tier":"priority","model":"text-embedding-3-large"}
            """);

        Assert.Equal("text-embedding-3-large", request.Model);
        Assert.Equal(new TextOrTokenIds(2, 2, 0, 1), request.Input);
        Assert.Equal("priority", request.ServiceTier);
    }

    [Fact]
    public void Read_InputTwice_TheLastOneCounts()
    {
        Assert.Equal(new TextOrTokenIds(1, 3, 3, 3), Read("""{"model":"m","input":"long text here","input":[1,2,3]}""").Input);
    }

    [Theory]
    [InlineData("[1,2]", "the body is not a JSON object")]
    [InlineData("\"text\"", "the body is not a JSON object")]
    [InlineData("not json", "the body is not valid JSON")]
    [InlineData("", "the body is not valid JSON")]
    [InlineData("{\"model\":\"m\",\"input\":\"x\"", "the body is not valid JSON")]
    [InlineData("{\"model\":\"m\",\"input\":\"x\"} x", "the body is not valid JSON")]
    [InlineData("{\"model\":\"m\",\"input\":\"x\"}{}", "the body is not valid JSON")]
    [InlineData("{\"input\":\"x\"}", "it has no \"model\"")]
    [InlineData("{\"model\":null,\"input\":\"x\"}", "it has no \"model\"")]
    [InlineData("{\"model\":\"\",\"input\":\"x\"}", "it has no \"model\"")]
    [InlineData("{\"model\":5,\"input\":\"x\"}", "\"model\" must be a string")]
    [InlineData("{\"model\":\"m\"}", "it has no \"input\"")]
    [InlineData("{\"model\":\"m\",\"input\":null}", "it has no \"input\"")]
    [InlineData("{\"model\":\"m\",\"input\":[]}", "\"input\" must not be an empty array")]
    [InlineData("{\"model\":\"m\",\"input\":5}", "\"input\" must be a string, an array of strings, an array of token ids or an array of arrays of token ids")]
    [InlineData("{\"model\":\"m\",\"input\":{\"text\":\"x\"}}", "\"input\" must be a string, an array of strings")]
    [InlineData("{\"model\":\"m\",\"input\":true}", "\"input\" must be a string, an array of strings")]
    [InlineData("{\"model\":\"m\",\"input\":[\"a\",1]}", "\"input\" must be a string, an array of strings")]
    [InlineData("{\"model\":\"m\",\"input\":[1,\"a\"]}", "\"input\" must be a string, an array of strings")]
    [InlineData("{\"model\":\"m\",\"input\":[[1],\"a\"]}", "\"input\" must be a string, an array of strings")]
    [InlineData("{\"model\":\"m\",\"input\":[[1],2]}", "\"input\" must be a string, an array of strings")]
    [InlineData("{\"model\":\"m\",\"input\":[null]}", "\"input\" must be a string, an array of strings")]
    [InlineData("{\"model\":\"m\",\"input\":[{}]}", "\"input\" must be a string, an array of strings")]
    [InlineData("{\"model\":\"m\",\"input\":[1.5]}", "the token ids of \"input\" must be whole numbers of at least 0")]
    [InlineData("{\"model\":\"m\",\"input\":[-1]}", "the token ids of \"input\" must be whole numbers of at least 0")]
    [InlineData("{\"model\":\"m\",\"input\":[2147483648]}", "the token ids of \"input\" must be whole numbers of at least 0")]
    [InlineData("{\"model\":\"m\",\"input\":[[1,\"a\"]]}", "the token ids of \"input\" must be whole numbers of at least 0")]
    [InlineData("{\"model\":\"m\",\"input\":[[[1]]]}", "the token ids of \"input\" must be whole numbers of at least 0")]
    [InlineData("{\"model\":\"m\",\"input\":\"x\",\"service_tier\":2}", "\"service_tier\" must be a string")]
    public void Read_MalformedBody_ThrowsMalformedNamingTheProblem(string body, string problem)
    {
        var ex = Assert.Throws<UnboundedRequestException>(() => Read(body));

        Assert.Equal(UnboundedRequestReason.MalformedBody, ex.Reason);
        Assert.StartsWith("The Embeddings request cannot be read: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"model\":\"m\",\"input\":\"ab\xFF\"}")]
    [InlineData("{\"model\":\"m\",\"input\":[\"ok\",\"\xC3\"]}")]
    public void Read_InputNotUtf8_IsMalformedBecauseItsBytesWouldNotBoundItsTokens(string latin1Body)
    {
        // A server that decodes an invalid byte as U+FFFD reads 3 bytes where the body has 1.
        var ex = Assert.Throws<UnboundedRequestException>(() => GuardedRequestReader.Read(OpenAIOperations.Embeddings, Encoding.Latin1.GetBytes(latin1Body)));

        Assert.Equal(UnboundedRequestReason.MalformedBody, ex.Reason);
        Assert.Equal("The Embeddings request cannot be read: the body is not valid UTF-8.", ex.Message);
    }

    [Fact]
    public void Read_ThroughTheEndpointDispatch_IsTheEmbeddingsReader()
    {
        var request = GuardedRequestReader.Read(OpenAIOperations.Embeddings, """{"model":"m","input":"x"}"""u8);

        Assert.IsType<EmbeddingsRequest>(request);
    }

    private static EmbeddingsRequest Read(string body) => EmbeddingsRequestReader.Read(Encoding.UTF8.GetBytes(body));
}
