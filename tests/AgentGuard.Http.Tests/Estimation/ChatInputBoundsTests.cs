using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AgentGuard.Http.Estimation;
using AgentGuard.Http.Providers.OpenAI;
using AgentGuard.Http.Requests;
using Microsoft.ML.Tokenizers;

namespace AgentGuard.Http.Tests.Estimation;

public sealed class ChatInputBoundsTests
{
    private static readonly Tokenizer s_o200k = TiktokenTokenizer.CreateForEncoding("o200k_base");
    private static readonly Tokenizer s_cl100k = TiktokenTokenizer.CreateForEncoding("cl100k_base");

    // Characters that JSON or the HTML-safe default encoder escape.
    private const string EscapedCharacters = "\"\\\n\t\u0001</>&'+`";

    public static TheoryData<int> Seeds => [.. Enumerable.Range(0, 150)];

    public static TheoryData<string> HandWrittenBodies =>
    [
        """{"model":"gpt-4o","messages":[{"role":"user","content":"Hello"}]}""",
        """{"model":"gpt-4o","messages":[]}""",
        """{"model":"gpt-4o","messages":[{"role":"user","content":""}]}""",
        """{"model":"gpt-4o","messages":[{"role":"user","content":"日本語のテキストです。中文文本。한국어 텍스트."}]}""",
        """{"model":"gpt-4o","messages":[{"role":"user","content":"😀😃😄😁👩‍👩‍👧‍👦🏳️‍🌈🇫🇷"}]}""",
        """{"model":"gpt-4o","messages":[{"role":"user","content":"\u65e5\u672c\ud83d\ude00 \"quoted\" \\ back\nslash\t\u0001"}]}""",
        """{"model":"gpt-4o","messages":[{"role":"system","content":"a","name":"x"},{"role":"user","content":"b","name":"y"},{"role":"assistant","content":"c","name":""}]}""",
        """{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"part one"},{"type":"text","text":"part two"}]}]}""",
        """{"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]}""",
        """{"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"tools":[{}]}""",
        """{"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"functions":[{"name":"f"}],"tools":null}""",
        """{"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"r","schema":{"type":"object","properties":{"a":{"type":"integer"}}}}}}""",
        """{"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"response_format":{"type":"text"}}""",
        """{"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"prediction":{"type":"content","content":"predicted text 日本"}}""",
        """{"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"prediction":{"type":"content","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}}""",
        """{"model":"gpt-4o","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"call_abc123def456ghi789jkl012","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},{"role":"tool","tool_call_id":"call_abc123def456ghi789jkl012","content":"sunny"}]}""",
        """{"model":"gpt-4o","messages":[{"role":"assistant","content":null,"function_call":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},{"role":"function","name":"get_weather","content":"sunny"}]}""",
        """{"model":"gpt-4o","messages":[{"role":"user","content":"<|endoftext|><|im_start|>"}]}""",
        """{"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"metadata":{"a":"b"},"temperature":0.2,"user":"someone","n":3,"max_tokens":5}""",
        """ { "model" : "gpt-4o" , "messages" : [ { "role" : "user" , "content" : "spaces" } ] } """,
    ];

    [Theory]
    [MemberData(nameof(HandWrittenBodies))]
    public void ByBytes_HandWrittenBody_IsAtLeastTheTokenizerBound(string body) => AssertByteBoundDominates(Encoding.UTF8.GetBytes(body));

    [Theory]
    [MemberData(nameof(Seeds))]
    public void ByBytes_GeneratedBody_IsAtLeastTheTokenizerBound(int seed) => AssertByteBoundDominates(GenerateBody(new Random(seed)));

    [Fact]
    public void ByBytes_Request_IsBytesPlusFraming()
    {
        var request = new ChatCompletionRequest
        {
            Model = "m",
            BodyBytes = 1000,
            MessageCount = 3,
            NameCount = 2,
            ToolCount = 4,
            HasResponseFormat = true,
            PredictionBytes = 77,
        };

        var bound = ChatInputBounds.ByBytes(request);

        // 1000 bytes + 3 x 4 per message + 2 x 1 per name + 3 priming + (4 tools + 1 response format) x 16.
        Assert.Equal(new InputTokenBound(1000 + 12 + 2 + 3 + 80, 0, 77), bound);
    }

    [Fact]
    public void ByBytes_NoResponseFormat_AddsNoToolFraming()
    {
        var bound = ChatInputBounds.ByBytes(new ChatCompletionRequest { Model = "m", BodyBytes = 10, MessageCount = 1 });

        Assert.Equal(10 + 4 + 3, bound.Upper);
        Assert.Equal(0, bound.Lower);
        Assert.Equal(0, bound.PredictionUpper);
    }

    [Theory]
    [InlineData("Hello", "user", null)]
    [InlineData("The quick brown fox jumps over the lazy dog. 日本語 😀", "user", "alice")]
    [InlineData("", "system", "")]
    public void ByTokenizer_OneMessage_IsCookbookFormula(string content, string role, string? name)
    {
        var message = new Dictionary<string, string> { ["role"] = role, ["content"] = content };
        if (name is not null)
        {
            message["name"] = name;
        }

        byte[] body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["model"] = "gpt-4o", ["messages"] = new[] { message } });

        var bound = ChatInputBounds.ByTokenizer(body, new TextTokens(s_o200k, TestContext.Current.CancellationToken));

        long expected = 3 + 4 + Count(role) + Count(content) + (name is null ? 0 : 1 + Count(name));
        Assert.Equal(expected, bound.Upper);
        Assert.Equal(Count(content), bound.Lower);
        Assert.Equal(0, bound.PredictionUpper);
    }

    [Fact]
    public void ByTokenizer_SeveralMessages_SumsEveryStringValuePlusFraming()
    {
        string[][] messages =
        [
            ["system", "You are a helpful assistant that answers in French.", "rules"],
            ["user", "Quelle heure est-il à Tōkyō ? 東京", "ann"],
            ["assistant", "Il est midi.", null!],
            ["user", "Merci 🙏", null!],
        ];
        var json = messages.Select(m => m[2] is null
            ? new Dictionary<string, string> { ["role"] = m[0], ["content"] = m[1] }
            : new Dictionary<string, string> { ["role"] = m[0], ["content"] = m[1], ["name"] = m[2] });
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(new { model = "gpt-4o-mini", messages = json, temperature = 0.5 });

        var bound = ChatInputBounds.ByTokenizer(body, new TextTokens(s_o200k, TestContext.Current.CancellationToken));

        long expected = 3 + messages.Sum(m => 4 + Count(m[0]) + Count(m[1]) + (m[2] is null ? 0 : 1 + Count(m[2])));
        Assert.Equal(expected, bound.Upper);
        Assert.Equal(messages.Sum(m => Count(m[1])), bound.Lower);
    }

    [Fact]
    public void ByTokenizer_ContentParts_CountAllStringsButNoLowerBound()
    {
        const string body = """{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"first part"},{"type":"text","text":"second part"}]}]}""";

        var bound = ChatInputBounds.ByTokenizer(Encoding.UTF8.GetBytes(body), new TextTokens(s_o200k, TestContext.Current.CancellationToken));

        long expected = 3 + 4 + Count("user") + Count("text") + Count("first part") + Count("text") + Count("second part");
        Assert.Equal(expected, bound.Upper);
        Assert.Equal(0, bound.Lower);
    }

    [Fact]
    public void ByTokenizer_ToolsAndResponseFormat_CountTheirJsonTextPlusFraming()
    {
        const string tool = """{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}""";
        const string function = """{"name":"legacy"}""";
        const string responseFormat = """{"type":"json_object"}""";
        string body = $$"""{"model":"gpt-4o","tools":[{{tool}}],"functions":[{{function}}],"messages":[{"role":"user","content":"hi"}],"response_format":{{responseFormat}}}""";

        var bound = ChatInputBounds.ByTokenizer(Encoding.UTF8.GetBytes(body), new TextTokens(s_o200k, TestContext.Current.CancellationToken));

        long expected = 3 + (4 + Count("user") + Count("hi")) + (16 + Count(tool)) + (16 + Count(function)) + (16 + Count(responseFormat));
        Assert.Equal(expected, bound.Upper);
        Assert.Equal(Count("hi"), bound.Lower);
    }

    [Fact]
    public void ByTokenizer_ToolCalls_CountTheirJsonTextPlusFraming()
    {
        const string call = """{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}""";
        string body = $$"""{"model":"gpt-4o","messages":[{"role":"assistant","content":null,"tool_calls":[{{call}},{{call}}]}]}""";

        var bound = ChatInputBounds.ByTokenizer(Encoding.UTF8.GetBytes(body), new TextTokens(s_o200k, TestContext.Current.CancellationToken));

        Assert.Equal(3 + 4 + Count("assistant") + (2 * (16 + Count(call))), bound.Upper);
    }

    [Fact]
    public void ByTokenizer_Prediction_CountsItsStrings()
    {
        const string body = """{"model":"gpt-4o","prediction":{"type":"content","content":"int main() { return 0; }"},"messages":[{"role":"user","content":"x"}]}""";

        var bound = ChatInputBounds.ByTokenizer(Encoding.UTF8.GetBytes(body), new TextTokens(s_o200k, TestContext.Current.CancellationToken));

        Assert.Equal(Count("content") + Count("int main() { return 0; }"), bound.PredictionUpper);
    }

    [Fact]
    public void ByTokenizer_Cl100k_UsesThatEncoding()
    {
        const string text = "Tokenizers differ: ünïcödé and 日本語 count differently.";
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(new { model = "gpt-4", messages = new[] { new { role = "user", content = text } } });

        var bound = ChatInputBounds.ByTokenizer(body, new TextTokens(s_cl100k, TestContext.Current.CancellationToken));

        Assert.Equal(3 + 4 + s_cl100k.CountTokens("user") + s_cl100k.CountTokens(text), bound.Upper);
    }

    /// <summary>Bodies whose strings cannot be decoded: lone surrogate escapes and invalid UTF-8.</summary>
    public static TheoryData<string, byte[]> UndecodableBodies => new()
    {
        { "lone high surrogate escape", Encoding.UTF8.GetBytes("""{"model":"gpt-4o","messages":[{"role":"user","content":"broken \ud800 pair"}]}""") },
        { "lone low surrogate escape", Encoding.UTF8.GetBytes("""{"model":"gpt-4o","messages":[{"role":"user","content":"\udc00"}]}""") },
        { "lone surrogate in a name", Encoding.UTF8.GetBytes("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi","name":"\ud83d"}]}""") },
        { "lone surrogate in a prediction", Encoding.UTF8.GetBytes("""{"model":"gpt-4o","messages":[],"prediction":{"type":"content","content":"\ud800"}}""") },
        { "invalid UTF-8 byte pair", [.. "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"a"u8, 0xC3, 0x28, .. "\"}]}"u8] },
        { "truncated 4-byte sequence", [.. "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\""u8, 0xF0, 0x9F, 0x98, .. "\"}]}"u8] },
    };

    [Theory]
    [MemberData(nameof(UndecodableBodies))]
    public void ByTokenizer_UndecodableStringTheReaderAccepts_IsBoundedNotThrown(string what, byte[] body)
    {
        ChatCompletionRequest request;
        try
        {
            request = ChatCompletionRequestReader.Read(body);
        }
        catch (UnboundedRequestException ex) when (ex.Reason == UnboundedRequestReason.MalformedBody)
        {
            // Refusing the body as malformed is as good as bounding it.
            Assert.Contains("cannot be read", ex.Message, StringComparison.Ordinal);
            return;
        }

        var bytes = ChatInputBounds.ByBytes(request);
        var ex2 = Record.Exception(() => ChatInputBounds.ByTokenizer(body, new TextTokens(s_o200k, TestContext.Current.CancellationToken)));
        Assert.True(ex2 is null, $"{what}: the reader accepted the body, then the tokenizer bound threw {ex2}");
        var tokens = ChatInputBounds.ByTokenizer(body, new TextTokens(s_o200k, TestContext.Current.CancellationToken));
        Assert.True(tokens.Upper <= bytes.Upper, $"{what}: tokenizer bound {tokens.Upper} > byte bound {bytes.Upper}");
        Assert.True(tokens.PredictionUpper <= bytes.PredictionUpper, $"{what}: prediction bound {tokens.PredictionUpper} > {bytes.PredictionUpper}");
    }

    [Fact]
    public void ByTokenizer_TextThatSpellsSpecialTokens_IsBoundedByItsBytes_NotByTheirCount()
    {
        // The tokenizer reads <|endoftext|> as one special token; OpenAI reads user text as text (several tokens each).
        string text = string.Concat(Enumerable.Repeat("<|endoftext|>", 50));
        byte[] body = Encoding.UTF8.GetBytes($$"""{"model":"gpt-4o","messages":[{"role":"user","content":"{{text}}"}]}""");

        var bound = ChatInputBounds.ByTokenizer(body, new TextTokens(s_o200k, TestContext.Current.CancellationToken));

        Assert.True(bound.Upper >= text.Length, $"upper {bound.Upper}");
        Assert.Equal(0, bound.Lower);
    }

    [Fact]
    public void InvalidUtf8Body_IsRefusedBeforeAnyBound()
    {
        byte[] body = Encoding.Latin1.GetBytes("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"caf\xE9\"}]}");

        var ex = Assert.Throws<UnboundedRequestException>(() => GuardedRequestReader.Read(OpenAIOperations.ChatCompletions, body));

        Assert.Equal(UnboundedRequestReason.MalformedBody, ex.Reason);
        Assert.Equal("The Chat Completions request cannot be read: the body is not valid UTF-8.", ex.Message);
    }

    private static void AssertByteBoundDominates(byte[] body)
    {
        string text = Encoding.UTF8.GetString(body);
        var request = ChatCompletionRequestReader.Read(body);

        var bytes = ChatInputBounds.ByBytes(request);
        foreach (var tokenizer in new[] { s_o200k, s_cl100k })
        {
            var tokens = ChatInputBounds.ByTokenizer(body, new TextTokens(tokenizer));

            Assert.True(bytes.Upper >= tokens.Upper, $"byte bound {bytes.Upper} < tokenizer bound {tokens.Upper} for {text}");
            Assert.True(bytes.PredictionUpper >= tokens.PredictionUpper, $"prediction byte bound {bytes.PredictionUpper} < {tokens.PredictionUpper} for {text}");
            Assert.InRange(tokens.Lower, 0, tokens.Upper);
            Assert.True(tokens.Upper >= 3 + (4 * request.MessageCount), $"tokenizer bound {tokens.Upper} misses framing for {text}");
        }
    }

    private static long Count(string text) => s_o200k.CountTokens(text);

    /// <summary>A random but valid chat body: ASCII, CJK, emoji, escapes and random code points, with names, tools, formats, predictions.</summary>
    private static byte[] GenerateBody(Random random)
    {
        var options = new JsonWriterOptions
        {
            // Half the bodies carry raw UTF-8 (the tight case for the byte bound), half escape every non-ASCII character.
            Encoder = random.Next(2) == 0 ? JavaScriptEncoder.UnsafeRelaxedJsonEscaping : JavaScriptEncoder.Default,
            Indented = random.Next(4) == 0,
        };
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, options))
        {
            writer.WriteStartObject();
            writer.WriteString("model", random.Next(2) == 0 ? "gpt-4o" : "gpt-4");
            writer.WriteStartArray("messages");
            int messages = random.Next(0, 6);
            for (int i = 0; i < messages; i++)
            {
                writer.WriteStartObject();
                writer.WriteString("role", random.Next(3) switch { 0 => "system", 1 => "user", _ => "assistant" });
                if (random.Next(3) == 0)
                {
                    writer.WriteString("name", RandomText(random, 8));
                }

                switch (random.Next(5))
                {
                    case 0:
                        writer.WriteStartArray("content");
                        for (int p = random.Next(1, 4); p > 0; p--)
                        {
                            writer.WriteStartObject();
                            writer.WriteString("type", "text");
                            writer.WriteString("text", RandomText(random, 60));
                            writer.WriteEndObject();
                        }

                        writer.WriteEndArray();
                        break;
                    case 1 when i > 0:
                        writer.WriteNull("content");
                        writer.WriteStartArray("tool_calls");
                        writer.WriteStartObject();
                        writer.WriteString("id", "call_" + RandomAlphanumeric(random, 24));
                        writer.WriteString("type", "function");
                        writer.WriteStartObject("function");
                        writer.WriteString("name", "fn_" + RandomAlphanumeric(random, 6));
                        writer.WriteString("arguments", JsonSerializer.Serialize(new { q = RandomText(random, 20) }));
                        writer.WriteEndObject();
                        writer.WriteEndObject();
                        writer.WriteEndArray();
                        break;
                    default:
                        writer.WriteString("content", RandomText(random, 200));
                        break;
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (random.Next(3) == 0)
            {
                writer.WriteStartArray(random.Next(2) == 0 ? "tools" : "functions");
                for (int t = random.Next(0, 4); t > 0; t--)
                {
                    writer.WriteStartObject();
                    writer.WriteString("type", "function");
                    writer.WriteStartObject("function");
                    writer.WriteString("name", "tool_" + RandomAlphanumeric(random, 5));
                    writer.WriteString("description", RandomText(random, 40));
                    writer.WriteStartObject("parameters");
                    writer.WriteString("type", "object");
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            if (random.Next(3) == 0)
            {
                writer.WriteStartObject("response_format");
                writer.WriteString("type", "json_schema");
                writer.WriteStartObject("json_schema");
                writer.WriteString("name", RandomAlphanumeric(random, 4));
                writer.WriteString("description", RandomText(random, 30));
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            if (random.Next(3) == 0)
            {
                writer.WriteStartObject("prediction");
                writer.WriteString("type", "content");
                writer.WriteString("content", RandomText(random, 100));
                writer.WriteEndObject();
            }

            if (random.Next(2) == 0)
            {
                writer.WriteNumber("max_tokens", random.Next(1, 1000));
            }

            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static string RandomText(Random random, int maxLength)
    {
        var text = new StringBuilder();
        int length = random.Next(0, maxLength + 1);
        while (text.Length < length)
        {
            switch (random.Next(7))
            {
                case 0:
                    text.Append((char)random.Next(0x20, 0x7F));
                    break;
                case 1:
                    text.Append(" the ");
                    break;
                case 2:
                    text.Append((char)random.Next(0x4E00, 0x9FFF)); // CJK
                    break;
                case 3:
                    text.Append(char.ConvertFromUtf32(random.Next(0x1F300, 0x1FAFF))); // emoji
                    break;
                case 4:
                    text.Append(EscapedCharacters[random.Next(EscapedCharacters.Length)]); // characters JSON or HTML-safe encoders escape
                    break;
                case 5:
                    text.Append((char)random.Next(0x80, 0x800)); // two-byte UTF-8
                    break;
                default:
                    int codePoint;
                    do
                    {
                        codePoint = random.Next(0x20, 0x110000);
                    }
                    while (codePoint is >= 0xD800 and <= 0xDFFF);

                    text.Append(char.ConvertFromUtf32(codePoint));
                    break;
            }
        }

        return text.ToString();
    }

    private static string RandomAlphanumeric(Random random, int length)
    {
        const string chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        return string.Create(length, random, static (span, r) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                span[i] = chars[r.Next(chars.Length)];
            }
        });
    }
}
