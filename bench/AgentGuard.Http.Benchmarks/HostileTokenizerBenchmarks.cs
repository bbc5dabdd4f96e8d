using System.Collections.Concurrent;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AgentGuard.Http.Benchmarks.Support;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Providers.OpenAI;
using BenchmarkDotNet.Attributes;

namespace AgentGuard.Http.Benchmarks;

/// <summary>
/// The tokenizer bound (<c>ChatCostEstimator.ByTokenizer</c>: one pass over the body, every string counted) over bodies of
/// about a megabyte built to be hard for a tokenizer (issue 22): runs without separators, long numbers, long unicode runs,
/// many tiny messages, pieces just at the merge limit, random words no cache has seen; ordinary prose for comparison.
/// The time per megabyte is the number to read: before issue 22 a run of 100,000 letters took 2.35 s, a million 208 s.
/// </summary>
[BenchmarkCategory("Estimator")]
public class HostileTokenizerBenchmarks
{
    private const int TargetBytes = 1_000_000;

    // Text as UTF-8, not \u escapes: a megabyte of body is a megabyte of text.
    private static readonly JsonSerializerOptions s_json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly ConcurrentDictionary<string, byte[]> s_bodies = new(StringComparer.Ordinal);

    private byte[] _body = null!;
    private ChatCompletionRequest _request = null!;
    private PricedModel _model = null!;

    static HostileTokenizerBenchmarks() => Throughputs.Declare<HostileTokenizerBenchmarks>(c => (Body(Throughputs.Param<string>(c, nameof(Input))).Length / 1e6, "MB"));

    [Params("prose", "a-run", "base64", "digits", "cjk-run", "cjk-sentences", "emoji-run", "spaces", "punctuation", "at-merge-limit", "random-words", "tiny-messages")]
    public string Input { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _body = Body(Input);
        _request = ChatCompletionRequestReader.Read(_body);
        PriceTable.Embedded.TryResolve("gpt-4o", out var model);
        _model = model!;
    }

    [Benchmark]
    public long TokenizerBound() => ChatCostEstimator.ByTokenizer(_body, _request, _model, ServiceTier.Standard)!.Value.InputTokens;

    /// <summary>A chat body of about <see cref="TargetBytes"/> whose text is <paramref name="input"/>'s kind.</summary>
    public static byte[] Body(string input) =>
        s_bodies.GetOrAdd(input, static kind => kind == "tiny-messages" ? TinyMessages() : WithText(Text(kind)));

    private static string Text(string input)
    {
        var random = new Random(22);
        return input switch
        {
            "prose" => Prose(),
            "a-run" => new string('a', TargetBytes),
            "base64" => Convert.ToBase64String(Bytes(random, TargetBytes * 3 / 4)),
            "digits" => new string('7', TargetBytes),
            "cjk-run" => new string('中', TargetBytes / 3),
            "cjk-sentences" => string.Concat(Enumerable.Range(0, TargetBytes / 60).Select(i => "我们今天讨论预算和发票的问题" + (i % 2 == 0 ? "，" : "。"))),
            "emoji-run" => string.Concat(Enumerable.Repeat("😀", TargetBytes / 4)),
            "spaces" => string.Concat(Enumerable.Repeat(new string(' ', 1_000) + "x", TargetBytes / 1_001)),
            "punctuation" => new string('!', TargetBytes),
            "at-merge-limit" => string.Concat(Enumerable.Repeat(" " + new string('a', 127), TargetBytes / 128)),
            "random-words" => RandomWords(random),
            _ => throw new ArgumentException($"unknown input '{input}'", nameof(input)),
        };
    }

    private static string Prose()
    {
        // The agent-shaped English the other benchmarks send: its message texts, repeated up to the size.
        using var document = JsonDocument.Parse(ChatRequests.Body(100_000, stream: false));
        string text = string.Join(" ", document.RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()));
        var prose = new StringBuilder();
        while (prose.Length < TargetBytes)
        {
            prose.Append(text).Append(' ');
        }

        return prose.ToString(0, TargetBytes);
    }

    /// <summary>Words of 2 to 12 random letters: each piece is new to the tokenizer's cache, so every one is merged.</summary>
    private static string RandomWords(Random random)
    {
        var words = new StringBuilder(TargetBytes + 16);
        while (words.Length < TargetBytes)
        {
            words.Append(' ');
            for (int i = 0, n = random.Next(2, 13); i < n; i++)
            {
                words.Append((char)('a' + random.Next(26)));
            }
        }

        return words.ToString();
    }

    private static byte[] Bytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] WithText(string text) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        model = "gpt-4o",
        max_tokens = 10,
        messages = new[] { new { role = "user", content = text } },
    }, s_json);

    private static byte[] TinyMessages()
    {
        // {"role":"user","content":"hi"} is 31 bytes: about 32,000 messages.
        var message = new { role = "user", content = "hi" };
        return JsonSerializer.SerializeToUtf8Bytes(new { model = "gpt-4o", max_tokens = 10, messages = Enumerable.Repeat(message, TargetBytes / 32).ToArray() }, s_json);
    }
}
