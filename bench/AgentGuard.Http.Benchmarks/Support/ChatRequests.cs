using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace AgentGuard.Http.Benchmarks.Support;

/// <summary>
/// Chat Completions request bodies shaped like an agent's: a system prompt, a tool definition and a conversation of
/// user and assistant turns, as the official SDK serializes them. Deterministic: the same size gives the same bytes.
/// </summary>
public static class ChatRequests
{
    public const string Model = "gpt-4o-mini";

    // Common English words: each costs about one o200k_base token with its leading space.
    private static readonly string[] s_words =
    [
        "the", "agent", "reads", "a", "file", "and", "then", "writes", "its", "summary", "to", "disk", "before", "it", "calls",
        "next", "tool", "with", "results", "of", "search", "for", "customer", "order", "status", "in", "database", "table",
        "where", "each", "row", "has", "an", "id", "name", "price", "date", "shipping", "address", "city", "country", "code",
        "please", "check", "whether", "all", "items", "were", "delivered", "on", "time", "report", "any", "delay", "longer",
        "than", "two", "days", "also", "list", "products", "that", "are", "out", "stock", "right", "now", "so", "we", "can",
        "reorder", "them", "from", "supplier", "this", "week", "make", "sure", "numbers", "match", "invoice", "total",
        "amount", "paid", "by", "card", "or", "bank", "transfer", "last", "month", "quarter", "year", "compare", "previous",
        "period", "explain", "difference", "short", "paragraph", "plain", "words", "without", "jargon", "thank", "you",

        // Short words again, as often as in prose: English averages about 4 bytes per token.
        "a", "to", "of", "in", "is", "it", "we", "on", "be", "at", "by", "or", "as", "an", "if", "no", "so", "up", "do", "go",
        "a", "to", "of", "in", "is", "it", "we", "on", "be", "at", "by", "or", "as", "an", "if", "no", "so", "up", "do", "go",
        "the", "and", "for", "the", "and", "for", "the", "and", "for", "it", "is", "to", "of",
    ];

    private static readonly ConcurrentDictionary<(int, bool, bool), byte[]> s_bodies = new();
    private static readonly Lazy<Tokenizer> s_tokenizer = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));

    /// <summary>A body whose messages hold about <paramref name="promptTokens"/> tokens of text.</summary>
    /// <param name="promptTokens">The approximate prompt size in o200k_base tokens.</param>
    /// <param name="stream">Whether the request streams.</param>
    /// <param name="includeUsage">For a stream: whether it asks for its usage chunk itself (the official SDK does).</param>
    public static byte[] Body(int promptTokens, bool stream, bool includeUsage = true) =>
        s_bodies.GetOrAdd((promptTokens, stream, includeUsage), static key => Build(key.Item1, key.Item2, key.Item3));

    /// <summary>The exact o200k_base tokens of every message text in the body (what the tokenizer bound counts).</summary>
    public static int CountTextTokens(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        int tokens = 0;
        foreach (var message in document.RootElement.GetProperty("messages").EnumerateArray())
        {
            tokens += s_tokenizer.Value.CountTokens(message.GetProperty("content").GetString()!);
        }

        return tokens;
    }

    public static HttpRequestMessage Request(Uri endpoint, byte[] body) => new(HttpMethod.Post, endpoint)
    {
        Content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } },
    };

    private static byte[] Build(int promptTokens, bool stream, bool includeUsage)
    {
        var random = new Random(promptTokens);
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("messages");
            // Sentences cost a token more for their period: about 94 words make 100 tokens.
            int remaining = promptTokens * 94 / 100;
            int turn = 0;
            while (remaining > 0)
            {
                // A system prompt first, then turns of at most 1,000 words, ending with the user's.
                int words = turn == 0 ? Math.Min(remaining, 40) : Math.Min(remaining, 1_000);
                remaining -= words;
                string role = turn == 0 ? "system" : remaining == 0 || turn % 2 == 1 ? "user" : "assistant";
                w.WriteStartObject();
                w.WriteString("role", role);
                w.WriteString("content", Text(random, words));
                w.WriteEndObject();
                turn++;
            }

            w.WriteEndArray();
            w.WriteString("model", Model);
            w.WriteNumber("max_completion_tokens", 1_024);
            if (stream)
            {
                w.WriteBoolean("stream", true);
                if (includeUsage)
                {
                    w.WriteStartObject("stream_options");
                    w.WriteBoolean("include_usage", true);
                    w.WriteEndObject();
                }
            }

            w.WriteStartArray("tools");
            w.WriteRawValue("""
                {"type":"function","function":{"name":"search_orders","description":"Finds orders by customer and date.",
                "parameters":{"type":"object","properties":{"customer":{"type":"string"},"since":{"type":"string","format":"date"}},
                "required":["customer"]}}}
                """);
            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static string Text(Random random, int words)
    {
        var text = new StringBuilder(words * 6);
        for (int i = 0; i < words; i++)
        {
            if (i > 0)
            {
                text.Append(i % 17 == 0 ? ". " : " ");
            }

#pragma warning disable CA5394 // Reproducible text, not security.
            text.Append(s_words[random.Next(s_words.Length)]);
#pragma warning restore CA5394
        }

        return text.Append('.').ToString();
    }
}
