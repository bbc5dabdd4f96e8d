using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace AgentGuard.Http.Estimation;

/// <summary>Counting the tokens of one JSON string with a tokenizer, for every endpoint.</summary>
internal static class TextTokens
{
    /// <summary>
    /// The tokens of one string: exact, unless the text spells a special token (<c>&lt;|endoftext|&gt;</c>). The tokenizer
    /// counts such a token as one, while OpenAI may read it as plain text (several tokens): neither count is then proven,
    /// so the string's bytes bound it from above and nothing from below.
    /// </summary>
    public static (long Upper, long Lower) Count(ref Utf8JsonReader reader, Tokenizer tokenizer)
    {
        long bytes = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        string text;
        try
        {
            text = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // Not decodable (a lone surrogate): its bytes still bound its tokens.
            return (bytes, 0);
        }

        if (text.Contains("<|", StringComparison.Ordinal))
        {
            return (bytes, 0);
        }

        long tokens = tokenizer.CountTokens(text);
        return (tokens, tokens);
    }
}
