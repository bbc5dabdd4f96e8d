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
/// The tokenizer bound (<c>ChatCostEstimator.ByTokenizer</c>: one pass over the body, every string counted) over bodies
/// built to be hard for a tokenizer (issue 22): runs without separators, long numbers, long unicode runs, many tiny
/// messages, pieces just at the merge limit, random words no cache has seen; ordinary prose for comparison. Each is
/// about 1 MB (under the call's allowance of merged text, <c>TextTokens.MergedBytesPerCall</c>: counted as exactly as
/// the guard ever counts) and 32 MB (about <c>AgentGuardOptions.MaxRequestBodyBytes</c>, the largest body the guard
/// reads by default: the most one call can cost to decide). Before issue 22 a run of 100,000 letters took 2.35 s, a
/// million 208 s.
/// </summary>
[BenchmarkCategory("Estimator")]
public class HostileTokenizerBenchmarks
{
    // Text as UTF-8, not \u escapes: a megabyte of body is a megabyte of text.
    private static readonly JsonSerializerOptions s_json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly ConcurrentDictionary<string, byte[]> s_bodies = new(StringComparer.Ordinal);

    private byte[] _body = null!;
    private ChatCompletionRequest _request = null!;
    private PricedModel _model = null!;

    static HostileTokenizerBenchmarks() => Throughputs.Declare<HostileTokenizerBenchmarks>(c =>
        (Body(Throughputs.Param<string>(c, nameof(Input)), Throughputs.Param<int>(c, nameof(Megabytes))).Length / 1e6, "MB"));

    [Params("prose", "a-run", "base64", "digits", "cjk-run", "cjk-sentences", "emoji-run", "spaces", "punctuation", "at-merge-limit", "random-words", "tiny-messages")]
    public string Input { get; set; } = "";

    [Params(1, 32)]
    public int Megabytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _body = Body(Input, Megabytes);
        _request = ChatCompletionRequestReader.Read(_body);
        PriceTable.Embedded.TryResolve("gpt-4o", out var model);
        _model = model!;
    }

    [Benchmark]
    public long TokenizerBound() => ChatCostEstimator.ByTokenizer(_body, _request, _model, ServiceTier.Standard)!.Value.InputTokens;

    /// <summary>A chat body of about <paramref name="megabytes"/> MB whose text is <paramref name="input"/>'s kind.</summary>
    public static byte[] Body(string input, int megabytes) =>
        s_bodies.GetOrAdd($"{input}/{megabytes}", _ => input == "tiny-messages" ? TinyMessages(megabytes * 1_000_000) : WithText(Text(input, megabytes * 1_000_000)));

    private static string Text(string input, int bytes)
    {
        var random = new Random(22);
        return input switch
        {
            "prose" => Prose(bytes),
            "a-run" => new string('a', bytes),
            "base64" => Convert.ToBase64String(Bytes(random, bytes * 3 / 4)),
            "digits" => new string('7', bytes),
            "cjk-run" => new string('中', bytes / 3),
            "cjk-sentences" => string.Concat(Enumerable.Range(0, bytes / 60).Select(i => "我们今天讨论预算和发票的问题" + (i % 2 == 0 ? "，" : "。"))),
            "emoji-run" => string.Concat(Enumerable.Repeat("😀", bytes / 4)),
            "spaces" => string.Concat(Enumerable.Repeat(new string(' ', 1_000) + "x", bytes / 1_001)),
            "punctuation" => new string('!', bytes),
            "at-merge-limit" => string.Concat(Enumerable.Repeat(" " + new string('a', 127), bytes / 128)),
            "random-words" => RandomWords(random, bytes),
            _ => throw new ArgumentException($"unknown input '{input}'", nameof(input)),
        };
    }

    private static string Prose(int bytes)
    {
        // The agent-shaped English the other benchmarks send: its message texts, repeated up to the size.
        using var document = JsonDocument.Parse(ChatRequests.Body(100_000, stream: false));
        string text = string.Join(" ", document.RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()));
        var prose = new StringBuilder();
        while (prose.Length < bytes)
        {
            prose.Append(text).Append(' ');
        }

        return prose.ToString(0, bytes);
    }

    /// <summary>Words of 2 to 12 random letters: each piece is new to the tokenizer's cache, so every one is merged.</summary>
    private static string RandomWords(Random random, int bytes)
    {
        var words = new StringBuilder(bytes + 16);
        while (words.Length < bytes)
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

    private static byte[] TinyMessages(int bytes)
    {
        // {"role":"user","content":"hi"} is 31 bytes: about 32,000 messages a megabyte.
        var message = new { role = "user", content = "hi" };
        return JsonSerializer.SerializeToUtf8Bytes(new { model = "gpt-4o", max_tokens = 10, messages = Enumerable.Repeat(message, bytes / 32).ToArray() }, s_json);
    }
}
