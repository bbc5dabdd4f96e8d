using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentGuard.Http.Tests.TestSupport;

/// <summary>
/// Valid request bodies of every guarded endpoint, and the mutations an attacker or an unlucky agent makes of them
/// (issue 22): missing members, wrong types, odd numbers, deep nesting, duplicate keys, truncation, invalid UTF-8, lone
/// surrogates, huge texts, odd content parts, odd tools, odd stream flags. Deterministic for a given <see cref="Random"/>.
/// </summary>
internal static class HostileBodies
{
    private const string Marker = "\u0001raw\u0001";

    // Deep enough for what deep nesting makes: an earlier mutation may have nested a value hundreds of levels down.
    private static readonly JsonSerializerOptions s_write = new() { MaxDepth = 4096 };

    private static readonly string s_png = TestImages.DataUrl("png", TestImages.Png(64, 48));

    /// <summary>The endpoint (below <c>/v1/</c>) and a valid body for it.</summary>
    public static IReadOnlyList<(string Path, string Body)> Seeds { get; } =
    [
        ("chat/completions", WithImage("""
            {"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse."},
             {"role":"user","content":[{"type":"text","text":"What is in this image?"},{"type":"image_url","image_url":{"url":"PNG_URL","detail":"low"}}]},
             {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}}]},
             {"role":"tool","tool_call_id":"call_1","content":"42"}],
             "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"x":{"type":"integer"}}}}}],
             "response_format":{"type":"json_object"},"max_tokens":50,"n":1,"stream":false,"service_tier":"default"}
            """)),
        ("chat/completions", """
            {"model":"gpt-4o","messages":[{"role":"user","content":"Hi there","name":"bob"}],"stream":true,"stream_options":{"include_usage":true},
             "max_completion_tokens":30,"prediction":{"type":"content","content":"Hello"},"modalities":["text"]}
            """),
        ("completions", """
            {"model":"gpt-3.5-turbo-instruct","prompt":["Say this is a test","and this"],"suffix":"end","max_tokens":20,"n":2,"best_of":3,"echo":true,"stream":false}
            """),
        ("completions", """{"model":"gpt-3.5-turbo-instruct","prompt":[[1,2,3],[4,5]],"max_tokens":5,"stream":true}"""),
        ("embeddings", """{"model":"text-embedding-3-small","input":["first text","second"],"encoding_format":"float","dimensions":256}"""),
        ("embeddings", """{"model":"text-embedding-3-large","input":[101,202,303]}"""),
        ("responses", WithImage("""
            {"model":"gpt-4o-mini","instructions":"Be brief.","input":[{"role":"user","content":[{"type":"input_text","text":"Describe"},
             {"type":"input_image","image_url":"PNG_URL","detail":"low"}]},{"type":"function_call_output","call_id":"c1","output":"ok"}],
             "tools":[{"type":"function","name":"f","parameters":{"type":"object"}}],"text":{"format":{"type":"json_object"}},"max_output_tokens":40,"stream":false}
            """)),
        ("responses", """{"model":"gpt-4o","input":"Hello","max_output_tokens":16,"stream":true,"previous_response_id":"resp_123","max_tool_calls":2}"""),
    ];

    private static string WithImage(string body) => body.Replace("PNG_URL", s_png, StringComparison.Ordinal);

    /// <summary>Values of the wrong type, or odd values of the right one.</summary>
    private static readonly string[] s_oddValues =
    [
        "null", "true", "false", "0", "-1", "-0", "1.5", "0.5", "1e2", "1e308", "-1e308", "1e400", "1e-400", "2147483647", "2147483648",
        "-2147483649", "9223372036854775808", "123456789012345678901234567890", "\"\"", "\"x\"", "\"auto\"", "\"100\"", "[]", "{}", "[[]]",
        "[null]", "{\"type\":null}", "[1,\"a\",null,{}]", "{\"\":\"\"}",
    ];

    private static readonly string[] s_oddParts =
    [
        """{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}""",
        """{"type":"image_url","image_url":"https://example.com/cat.png"}""",
        """{"type":"image_url"}""",
        """{"type":"image_url","image_url":{"url":5,"detail":"ultra"}}""",
        """{"type":"image_url","image_url":{"detail":"high"},"image_url":{"url":"data:image/jpeg;base64,/9j/"}}""",
        """{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUn////9////8CAYAAAA","detail":"auto"}}""",
        """{"type":"image_url","image_url":{"url":"data:;base64,@@@@","detail":null}}""",
        """{"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}""",
        """{"type":"file","file":{"file_id":"file-1"}}""",
        """{"type":"text"}""", """{"type":"text","text":5}""", """{"type":5}""", """{}""", "\"a bare string\"", "null", "[]",
        """{"type":"refusal","refusal":"no"}""",
        """{"type":"input_image","image_url":"data:image/gif;base64,R0lGODlh//8=","detail":"low"}""",
        """{"type":"input_image","file_id":"file-1"}""",
        """{"type":"input_file","file_data":"AAAA"}""",
        """{"type":"input_text","text":null}""",
        """{"type":"computer_screenshot","image_url":"x"}""",
        """{"type":"item_reference","id":"msg_1"}""",
        """{"type":"reasoning","encrypted_content":"xyz"}""",
    ];

    private static readonly string[] s_oddTools =
    [
        "5", "\"function\"", "{}", """{"type":null}""", """{"type":5}""", """{"type":"function"}""", """{"type":"function","function":null}""",
        """{"type":"web_search"}""", """{"type":"web_search_2025_08_26"}""", """{"type":"mcp","server_url":"https://x"}""",
        """{"type":"code_interpreter","container":{"type":"auto"}}""", """{"type":"file_search","vector_store_ids":[]}""",
        """{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":{"type":"array","items":{"type":"array"}}}}}}""",
        """{"type":"custom","name":"c","format":{"type":"grammar","definition":"start: /a+/"}}""",
    ];

    private static readonly (string Name, string[] Values)[] s_streamFlags =
    [
        ("stream", ["true", "false", "null", "1", "\"yes\"", "[]"]),
        ("stream_options", ["null", "{}", "[]", "\"x\"", """{"include_usage":true}""", """{"include_usage":false}""", """{"include_usage":1}""",
            """{"include_usage":null}""", """{"include_usage":true,"include_usage":false}"""]),
        ("background", ["true", "false", "\"true\""]),
    ];

    private static readonly string[] s_oddModels = ["\"\"", "\"GPT-4O\"", "\"gpt-4o-2099-01-01\"", "\"no-such-model\"", "\"gpt-4o\\u0000\"", "\" gpt-4o\""];

    /// <summary>Byte sequences that are not UTF-8: a lone continuation, a bad pair, an encoded surrogate, an overlong form, past U+10FFFF.</summary>
    private static readonly byte[][] s_invalidUtf8 = [[0xFF], [0x80], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]];

    private static readonly string[] s_loneSurrogates = [@"\udc00", @"\ud800", @"\ud800\u0041", @"\uDBFF", @"x\ude00y"];

    /// <summary>The names of the mutations, for a failure's message.</summary>
    public static string[] Mutations { get; } =
    [
        "remove a member", "wrong type", "odd number", "deep nesting", "duplicate key", "lone surrogate", "huge text", "odd content parts",
        "odd tools", "odd stream flags", "odd model", "truncation", "invalid UTF-8", "byte noise", "not an object",
    ];

    /// <summary>Applies 1 to 3 random mutations to <paramref name="body"/>; says which.</summary>
    public static (byte[] Body, string Applied) Mutate(string body, Random random)
    {
        int count = random.Next(1, 4);
        var applied = new List<string>();
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        for (int i = 0; i < count; i++)
        {
            int mutation = random.Next(Mutations.Length);
            applied.Add(Mutations[mutation]);
            bytes = mutation switch
            {
                < 11 => TryStructural(bytes, mutation, random),
                11 => bytes[..random.Next(bytes.Length)],
                12 => Insert(bytes, random.Next(bytes.Length + 1), s_invalidUtf8[random.Next(s_invalidUtf8.Length)]),
                13 => Noise(bytes, random),
                _ => Encoding.UTF8.GetBytes(Pick(random, ["", " ", "null", "[]", "1", "\"x\"", "{}", "\uFEFF{}", "{\"model\":\"gpt-4o\"}", "{\"messages\":[]}", "{}{}"])),
            };
        }

        return (bytes, string.Join(", ", applied));
    }

    /// <summary>
    /// A mutation of the JSON tree; a body the DOM cannot hold (an earlier mutation broke it, or added a duplicate key) is
    /// left as it is.
    /// </summary>
    private static byte[] TryStructural(byte[] bytes, int mutation, Random random)
    {
        try
        {
            return Structural(bytes, mutation, random);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            return bytes;
        }
    }

    private static byte[] Structural(byte[] bytes, int mutation, Random random)
    {
        var root = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = 2048 });

        if (root is not JsonObject top)
        {
            return bytes;
        }

        var slots = new List<(JsonNode Parent, object Key)>();
        Collect(top, slots);
        string? raw = null;
        switch (mutation)
        {
            case 0:
                if (PickSlot(random, slots) is var (parent, key))
                {
                    if (parent is JsonObject o)
                    {
                        o.Remove((string)key);
                    }
                    else
                    {
                        ((JsonArray)parent).RemoveAt((int)key);
                    }
                }

                break;
            case 1:
            case 2:
                raw = mutation == 1 ? Pick(random, s_oddValues) : Pick(random, ["0", "-1", "1e9", "2147483647", "2147483648", "1.0", "1e2", "-0", "0.5", "1e400", "3.0e0"]);
                SetRaw(random, top, slots, raw, numbersOnly: mutation == 2);
                break;
            case 3:
                int depth = Pick(random, [10, 100, 200, 255, 256, 300, 5000]);
                raw = random.Next(2) == 0
                    ? new string('[', depth) + "\"deep\"" + new string(']', depth)
                    : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
                SetRaw(random, top, slots, raw, numbersOnly: false);
                break;
            case 4:
                var objects = slots.Select(s => Node(s)).OfType<JsonObject>().Prepend(top).ToList();
                var target = objects[random.Next(objects.Count)];
                string name = target.Count > 0 && random.Next(3) > 0 ? target.ElementAt(random.Next(target.Count)).Key : Pick(random, ["model", "messages", "input", "prompt", "stream", "max_tokens", "n", "tools"]);
                raw = "{" + JsonSerializer.Serialize(name) + ":" + Pick(random, s_oddValues) + (target.Count > 0 ? "," + target.ToJsonString(s_write)[1..] : "}");
                if (ReferenceEquals(target, top))
                {
                    return Encoding.UTF8.GetBytes(raw);
                }

                SetSlot(slots.First(s => ReferenceEquals(Node(s), target)), Marker);
                break;
            case 5:
                var strings = slots.Where(s => Node(s) is JsonValue v && v.GetValueKind() == JsonValueKind.String).ToList();
                string surrogate = Pick(random, s_loneSurrogates);
                if (strings.Count > 0 && random.Next(4) > 0)
                {
                    var slot = strings[random.Next(strings.Count)];
                    raw = "\"" + JsonEncodedText.Encode(Node(slot)!.GetValue<string>()).ToString() + surrogate + "\"";
                    SetSlot(slot, Marker);
                }
                else
                {
                    // In a member's name.
                    string members = top.ToJsonString(s_write)[1..];
                    return Encoding.UTF8.GetBytes("{\"" + surrogate + "\":1" + (top.Count > 0 ? "," : "") + members);
                }

                break;
            case 6:
                raw = JsonSerializer.Serialize(HugeText(random));
                SetRaw(random, top, slots, raw, numbersOnly: false, stringsOnly: random.Next(4) > 0);
                break;
            case 7:
                var contents = slots.Where(s => s.Key is "content" or "input").ToList();
                raw = "[" + string.Join(",", Enumerable.Range(0, random.Next(1, 4)).Select(_ => Pick(random, s_oddParts))) + "]";
                if (contents.Count > 0)
                {
                    SetSlot(contents[random.Next(contents.Count)], Marker);
                }
                else
                {
                    top["content"] = Marker;
                }

                break;
            case 8:
                raw = random.Next(5) == 0 ? Pick(random, s_oddValues) : "[" + string.Join(",", Enumerable.Range(0, random.Next(1, 4)).Select(_ => Pick(random, s_oddTools))) + "]";
                top[Pick(random, ["tools", "tools", "functions"])] = Marker;
                break;
            case 9:
                var (flag, values) = s_streamFlags[random.Next(s_streamFlags.Length)];
                raw = Pick(random, values);
                top[flag] = Marker;
                break;
            default:
                raw = Pick(random, s_oddModels);
                top["model"] = Marker;
                break;
        }

        string json = top.ToJsonString(s_write);
        return Encoding.UTF8.GetBytes(raw is null ? json : json.Replace(JsonSerializer.Serialize(Marker), raw, StringComparison.Ordinal));
    }

    /// <summary>A text no tokenizer should take long over: runs without separators, long numbers, long unicode runs, many tiny words.</summary>
    private static string HugeText(Random random)
    {
        int length = random.Next(20_000, 150_000);
        return random.Next(8) switch
        {
            0 => new string('a', length),
            1 => new string('7', length),
            2 => new string('中', length / 3),
            3 => string.Concat(Enumerable.Repeat("😀", length / 4)),
            4 => Convert.ToBase64String(RandomBytes(random, length * 3 / 4)),
            5 => string.Concat(Enumerable.Repeat("a ", length / 2)),
            6 => new string(' ', length) + "x",
            _ => string.Concat(Enumerable.Repeat("e\u0301", length / 3)),
        };
    }

    /// <summary>
    /// About <paramref name="length"/> characters of words of 2 to 12 random letters, each after a space: the tokenizer's
    /// worst case, since no cache has seen its pieces and every one must be merged.
    /// </summary>
    public static string RandomWords(int length, int seed)
    {
        var random = new Random(seed);
        var words = new StringBuilder(length + 16);
        while (words.Length < length)
        {
            words.Append(' ');
            for (int i = 0, n = random.Next(2, 13); i < n; i++)
            {
                words.Append((char)('a' + random.Next(26)));
            }
        }

        return words.ToString();
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static void Collect(JsonNode node, List<(JsonNode Parent, object Key)> slots)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o)
                {
                    slots.Add((o, key));
                    if (child is not null)
                    {
                        Collect(child, slots);
                    }
                }

                break;
            case JsonArray a:
                for (int i = 0; i < a.Count; i++)
                {
                    slots.Add((a, i));
                    if (a[i] is { } child)
                    {
                        Collect(child, slots);
                    }
                }

                break;
        }
    }

    private static JsonNode? Node((JsonNode Parent, object Key) slot) =>
        slot.Parent is JsonObject o ? o[(string)slot.Key] : ((JsonArray)slot.Parent)[(int)slot.Key];

    private static void SetSlot((JsonNode Parent, object Key) slot, JsonNode? value)
    {
        if (slot.Parent is JsonObject o)
        {
            o[(string)slot.Key] = value;
        }
        else
        {
            ((JsonArray)slot.Parent)[(int)slot.Key] = value;
        }
    }

    /// <summary>Puts the marker in a random slot (of a number, or of a string, when asked), or in a new member.</summary>
    private static void SetRaw(Random random, JsonObject top, List<(JsonNode Parent, object Key)> slots, string raw, bool numbersOnly, bool stringsOnly = false)
    {
        var candidates = slots.Where(s => Node(s) is JsonValue v
            && (!numbersOnly || v.GetValueKind() == JsonValueKind.Number)
            && (!stringsOnly || v.GetValueKind() == JsonValueKind.String)).ToList();
        if (!numbersOnly && !stringsOnly)
        {
            candidates = slots;
        }

        if (candidates.Count == 0)
        {
            top[Pick(random, ["max_tokens", "n", "best_of", "max_output_tokens", "max_tool_calls", "max_completion_tokens", "dimensions"])] = Marker;
            return;
        }

        SetSlot(candidates[random.Next(candidates.Count)], Marker);
    }

    private static (JsonNode Parent, object Key)? PickSlot(Random random, List<(JsonNode Parent, object Key)> slots) =>
        slots.Count == 0 ? null : slots[random.Next(slots.Count)];

    private static byte[] Insert(byte[] bytes, int at, byte[] inserted) => [.. bytes.AsSpan(0, at), .. inserted, .. bytes.AsSpan(at)];

    private static byte[] Noise(byte[] bytes, Random random)
    {
        const string Alphabet = "{}[]\":,\\ 0123456789-+.eEtrufalsnu";
        byte[] noisy = (byte[])bytes.Clone();
        for (int i = 0, n = random.Next(1, 6); i < n && noisy.Length > 0; i++)
        {
            noisy[random.Next(noisy.Length)] = (byte)Alphabet[random.Next(Alphabet.Length)];
        }

        return noisy;
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    /// <summary>A body for a failure's message: its start, its length, and where it is not printable.</summary>
    public static string Describe(byte[] body)
    {
        string text = Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 400)));
        return string.Create(CultureInfo.InvariantCulture, $"{body.Length} bytes: {text}{(body.Length > 400 ? "..." : "")}");
    }
}
