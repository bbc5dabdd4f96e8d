using System.Text;
using System.Text.Json.Nodes;
using AgentGuard.Http.Providers.OpenAI;

namespace AgentGuard.Http.Tests.Requests;

public sealed class StreamUsageInjectionTests
{
    [Fact]
    public void AddIncludeUsage_NoStreamOptions_AddsThemWithIncludeUsage()
    {
        const string body = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}],"stream":true}""";

        var root = Inject(body);

        Assert.True(root["stream_options"]!["include_usage"]!.GetValue<bool>());
        Assert.Equal("gpt-4o-mini", root["model"]!.GetValue<string>());
        Assert.True(root["stream"]!.GetValue<bool>());
        Assert.Equal("Hello", root["messages"]![0]!["content"]!.GetValue<string>());
    }

    [Fact]
    public void AddIncludeUsage_IncludeUsageFalse_SetsItTrueAndKeepsOtherOptions()
    {
        const string body = """{"model":"m","messages":[],"stream":true,"stream_options":{"include_usage":false,"include_obfuscation":false}}""";

        var root = Inject(body);

        var options = root["stream_options"]!.AsObject();
        Assert.True(options["include_usage"]!.GetValue<bool>());
        Assert.False(options["include_obfuscation"]!.GetValue<bool>());
        Assert.Equal(2, options.Count);
    }

    [Fact]
    public void AddIncludeUsage_NullStreamOptions_ReplacesThem()
    {
        var root = Inject("""{"model":"m","messages":[],"stream":true,"stream_options":null}""");

        Assert.True(root["stream_options"]!["include_usage"]!.GetValue<bool>());
    }

    [Fact]
    public void AddIncludeUsage_Result_IsReadByTheReaderAsNotNeedingInjection()
    {
        const string body = """{"model":"m","messages":[{"role":"user","content":"é 😀 \u00e9"}],"stream":true,"n":2,"max_tokens":7}""";
        var before = ChatCompletionRequestReader.Read(Encoding.UTF8.GetBytes(body));

        var after = ChatCompletionRequestReader.Read(StreamUsageInjection.AddIncludeUsage(Encoding.UTF8.GetBytes(body)));

        Assert.True(before.NeedsUsageInjected);
        Assert.False(after.NeedsUsageInjected);
        Assert.True(after.IncludeUsage);
        Assert.Equal((before.Model, before.MessageCount, before.Choices, before.MaxTokens, before.Stream), (after.Model, after.MessageCount, after.Choices, after.MaxTokens, after.Stream));
    }

    [Fact]
    public void AddIncludeUsage_AnyBody_KeepsEveryOtherProperty()
    {
        const string body = """{"model":"m","messages":[{"role":"user","content":"x","name":"n"}],"stream":true,"tools":[{"type":"function","function":{"name":"f"}}],"temperature":0.5,"user":"u"}""";

        var root = Inject(body);
        root.Remove("stream_options");

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(body), root));
    }

    private static JsonObject Inject(string body) =>
        JsonNode.Parse(StreamUsageInjection.AddIncludeUsage(Encoding.UTF8.GetBytes(body)))!.AsObject();
}
