using System.Text.Json;
using AgentGuard.Http.Estimation;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// Bounds the tokens of an Embeddings <c>input</c> or a legacy Completions <c>prompt</c> (see <see cref="TextOrTokenIds"/>).
/// Items are tokenized on their own, with no framing: a string costs its tokens, a token-id sequence one token per id.
/// <para>
/// <b>By bytes</b>: o200k_base and cl100k_base contain all 256 single bytes, so no text has more tokens than UTF-8 bytes;
/// the reader measured the strings' bytes rather than taking the whole body's size, because that is as cheap (one scan
/// either way), much tighter for token-id arrays (a 5-digit id is one token, not 6 bytes) and lets each item be capped.
/// </para>
/// <para>
/// <b>Cap per item</b>: an item longer than the model accepts is rejected with the whole request, unbilled, so no item
/// bills more than <see cref="ModelPrice.MaxInputTokens"/> (else the context window).
/// </para>
/// </summary>
internal static class TextOrTokenIdsInputBounds
{
    /// <summary>The most tokens one item can bill: what the model accepts as input.</summary>
    public static long CapPerItem(ModelPrice price) =>
        price.MaxInputTokens is int max && max > 0 ? max
        : price.ContextWindowTokens > 0 ? price.ContextWindowTokens
        : long.MaxValue;

    /// <summary>
    /// The byte bound of all items, each capped: without every item's size, the cap is taken off the largest item (the
    /// others are then at most all but it) or off all of them (items x cap), whichever is tighter.
    /// </summary>
    public static long UpperByBytes(TextOrTokenIds measured, long capPerItem)
    {
        if (measured.MaxItemUnits <= capPerItem)
        {
            return measured.Units;
        }

        return Math.Min(measured.Units - measured.MaxItemUnits + capPerItem, measured.Items * capPerItem);
    }

    /// <summary>
    /// Exact counts of the value of the member the reader is on (a value <see cref="TextOrTokenIds.Read"/> accepted;
    /// <c>null</c> counts nothing, each endpoint says what it means).
    /// </summary>
    /// <returns>The sum over items of their tokens capped at <paramref name="capPerItem"/>, and a lower bound of the smallest item.</returns>
    public static (long Upper, long Lower) ByTokenizer(ref Utf8JsonReader reader, TextTokens tokens, long capPerItem)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return (0, 0);
        }

        if (reader.TokenType == JsonTokenType.String)
        {
            var (upper, lower) = tokens.Count(ref reader);
            return (Math.Min(upper, capPerItem), lower);
        }

        long sum = 0, smallest = long.MaxValue, ids = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    var (upper, lower) = tokens.Count(ref reader);
                    sum += Math.Min(upper, capPerItem);
                    smallest = Math.Min(smallest, lower);
                    break;
                case JsonTokenType.Number:
                    ids++;
                    break;
                default:
                    long sequence = 0;
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        sequence++;
                    }

                    sum += Math.Min(sequence, capPerItem);
                    smallest = Math.Min(smallest, sequence);
                    break;
            }
        }

        // An array of token ids is one sequence.
        return ids > 0 ? (Math.Min(ids, capPerItem), ids) : (sum, smallest);
    }
}
