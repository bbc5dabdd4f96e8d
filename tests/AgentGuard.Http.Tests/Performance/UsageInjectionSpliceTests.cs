using System.Text;
using System.Text.Json.Nodes;
using AgentGuard.Http.Providers.OpenAI;
using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Tests.Performance;

/// <summary>
/// A stream that did not ask for its usage gets <c>include_usage</c> spliced in before the body's closing brace:
/// no parse and rewrite of the whole body, and every other byte sent as the caller wrote it.
/// </summary>
public sealed class UsageInjectionSpliceTests
{
    [Theory]
    [InlineData("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}],"stream":true}""")]
    [InlineData("{ \"model\" : \"gpt-4o-mini\", \"messages\" : [ { \"role\" : \"user\", \"content\" : \"caf\\u00e9 \\\"}\\\" 👋\" } ], \"stream\" : true }\r\n")]
    public void AddIncludeUsage_NoStreamOptions_SplicesTheMember_AndKeepsEveryOtherByte(string json)
    {
        var request = ChatCompletionRequestReader.Read(Encoding.UTF8.GetBytes(json));
        using var body = Read(json);

        StreamUsageInjection.AddIncludeUsage(body, request);

        var spliced = body.Bytes.ToArray();
        int close = json.LastIndexOf('}');
        string expected = json[..close] + ",\"stream_options\":{\"include_usage\":true}" + json[close..];
        Assert.Equal(expected, Encoding.UTF8.GetString(spliced));
        var after = ChatCompletionRequestReader.Read(spliced);
        Assert.True(after.IncludeUsage);
        Assert.False(after.NeedsUsageInjected);
        Assert.Equal((request.Model, request.MessageCount, request.BodyBytes + 40), (after.Model, after.MessageCount, after.BodyBytes));
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[],"stream":true,"stream_options":null}""")]
    [InlineData("""{"model":"m","messages":[],"stream":true,"stream_options":{"include_usage":false,"include_obfuscation":false}}""")]
    [InlineData("""{"model":"m","messages":[],"stream":true,"stream_options":{}}""")]
    public void AddIncludeUsage_StreamOptionsPresent_SetsIncludeUsage_AndKeepsTheOtherOptions(string json)
    {
        var request = ChatCompletionRequestReader.Read(Encoding.UTF8.GetBytes(json));
        using var body = Read(json);

        StreamUsageInjection.AddIncludeUsage(body, request);

        var root = JsonNode.Parse(body.Bytes)!.AsObject();
        Assert.True(request.HasStreamOptions);
        Assert.True(root["stream_options"]!["include_usage"]!.GetValue<bool>());
        Assert.Equal(json.Contains("include_obfuscation", StringComparison.Ordinal), root["stream_options"]!.AsObject().ContainsKey("include_obfuscation"));
    }

    [Fact]
    public async Task Insert_IntoAFullBuffer_GrowsAndKeepsEveryByte()
    {
        var bytes = new byte[4096];
        Random.Shared.NextBytes(bytes);
        using var body = await PooledRequestBody.ReadAsync(new ByteArrayContent(bytes), async: false, TestContext.Current.CancellationToken);

        body.Insert(100, "inserted"u8);

        Assert.Equal([.. bytes[..100], .. "inserted"u8.ToArray(), .. bytes[100..]], body.Bytes.ToArray());
    }

    [Fact]
    public void Reader_StreamOptionsInsideAMessage_IsNotTheRequestsOwn()
    {
        var body = Encoding.UTF8.GetBytes("""{"model":"m","messages":[{"role":"user","content":"x","stream_options":{}}],"stream":true}""");

        Assert.False(ChatCompletionRequestReader.Read(body).HasStreamOptions);
    }

    private static PooledRequestBody Read(string json) =>
        PooledRequestBody.ReadAsync(new StringContent(json), async: false, TestContext.Current.CancellationToken).GetAwaiter().GetResult();
}
