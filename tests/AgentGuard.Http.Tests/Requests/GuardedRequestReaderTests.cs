using System.Text;
using AgentGuard.Http.Providers;
using AgentGuard.Http.Providers.OpenAI;
using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Tests.Requests;

/// <summary>The entry point every body passes: text that cannot be decoded is refused before any reader sees it.</summary>
public sealed class GuardedRequestReaderTests
{
    /// <summary>A body of each guarded operation with <c>{0}</c> where a string's text goes.</summary>
    public static TheoryData<string, string> Templates => new()
    {
        { "chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":"{0}"}]}""" },
        { "chat/completions", """{"model":"gpt-4o{0}","messages":[]}""" },
        { "chat/completions", """{"{0}":1,"model":"gpt-4o","messages":[]}""" },
        { "chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"x{0}"}]}]}""" },
        { "completions", """{"model":"gpt-3.5-turbo-instruct","prompt":"{0}"}""" },
        { "completions", """{"model":"gpt-3.5-turbo-instruct","prompt":"x","suffix":"{0}"}""" },
        { "embeddings", """{"model":"text-embedding-3-small","input":["{0}"]}""" },
        { "responses", """{"model":"gpt-4o","input":"hi","instructions":"{0}"}""" },
        { "responses", """{"model":"gpt-4o","input":"hi","tools":[{"type":"{0}"}]}""" },
    };

    [Theory]
    [MemberData(nameof(Templates))]
    public void Read_LoneLowSurrogateEscape_IsMalformed_SayingWhatAndWhere(string operation, string template)
    {
        // Regression (issue 22): System.Text.Json threw InvalidOperationException through the caller's SendAsync.
        byte[] body = Body(template, @"\udc00");

        var ex = Assert.Throws<UnboundedRequestException>(() => GuardedRequestReader.Read(Operation(operation), body));

        Assert.Equal(UnboundedRequestReason.MalformedBody, ex.Reason);
        int at = Encoding.UTF8.GetString(body).IndexOf(@"\udc00", StringComparison.Ordinal);
        Assert.Contains($@"lone surrogate escape (\udc00 at byte {at})", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not a character", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(@"\ud800")]
    [InlineData(@"\uDBFF tail")]
    [InlineData(@"\ud800\u0041")]
    [InlineData(@"\ud800\ud800\udc00")]
    [InlineData(@"\ude00\ud83d")]
    [InlineData(@"ok \ud83d\ude00 then \udfff")]
    [InlineData(@"\\\udc00")]
    public void IndexOfLoneSurrogateEscape_UnpairedHalf_IsFound(string text)
    {
        Assert.True(GuardedRequestReader.IndexOfLoneSurrogateEscape(Encoding.UTF8.GetBytes($"\"{text}\"")) > 0);
    }

    [Theory]
    [InlineData("")]
    [InlineData(@"\ud83d\ude00")]
    [InlineData(@"\uD83D\uDE00 and \u00e9 and \n\t\""")]
    [InlineData(@"\\udc00")]
    [InlineData(@"\\\\udc00")]
    [InlineData(@"\u0041\ud83d\ude00\u0042")]
    [InlineData(@"\uD83d\uDe00 mixed case")]
    [InlineData(@"\u4e2d\u6587 \u00e9 escaped text that is not a surrogate")]
    [InlineData(@"\")]
    [InlineData(@"\ud8")]
    public void IndexOfLoneSurrogateEscape_PairsOtherEscapesAndEscapedBackslashes_AreNot(string text)
    {
        // A truncated escape is not a lone surrogate: the JSON reader refuses it as invalid JSON.
        Assert.Equal(-1, GuardedRequestReader.IndexOfLoneSurrogateEscape(Encoding.UTF8.GetBytes($"\"{text}")));
    }

    [Fact]
    public void IndexOfLoneSurrogateEscape_AtEveryOffsetOfALongBody_IsFoundWhereItIs()
    {
        // The search is vectorized in blocks of 16 or 32 bytes: every offset, every case, across every block boundary.
        for (int offset = 0; offset < 100; offset++)
        {
            string padding = new('x', offset), tail = new('y', 100 - offset);
            foreach (string lone in (string[])[@"\udc00", @"\uDC00", @"\uD800", @"\ud83dx"])
            {
                Assert.Equal(offset, GuardedRequestReader.IndexOfLoneSurrogateEscape(Encoding.UTF8.GetBytes(padding + lone + tail)));
            }

            Assert.Equal(-1, GuardedRequestReader.IndexOfLoneSurrogateEscape(Encoding.UTF8.GetBytes(padding + @"\ud83d\ude00" + tail)));
            Assert.Equal(-1, GuardedRequestReader.IndexOfLoneSurrogateEscape(Encoding.UTF8.GetBytes(padding + @"\\udc00" + tail)));
            Assert.Equal(offset + 2, GuardedRequestReader.IndexOfLoneSurrogateEscape(Encoding.UTF8.GetBytes(padding + @"\\\udc00" + tail)));
        }
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void Read_SurrogatePairEscape_IsRead(string operation, string template)
    {
        try
        {
            GuardedRequestReader.Read(Operation(operation), Body(template, @"\ud83d\ude00"));
        }
        catch (UnboundedRequestException ex) when (ex.Reason != UnboundedRequestReason.MalformedBody)
        {
            // An unknown content part or hosted tool is refused for what it is, not as unreadable.
        }
    }

    private static byte[] Body(string template, string text) => Encoding.UTF8.GetBytes(template.Replace("{0}", text, StringComparison.Ordinal));

    private static LlmOperation Operation(string name) => name switch
    {
        "chat/completions" => OpenAIOperations.ChatCompletions,
        "completions" => OpenAIOperations.Completions,
        "embeddings" => OpenAIOperations.Embeddings,
        _ => OpenAIOperations.Responses,
    };
}
