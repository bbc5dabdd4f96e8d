using System.Text.Json;
using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// What the reader measured of an Embeddings <c>input</c> or a legacy Completions <c>prompt</c>: a string, an array of
/// strings, an array of token ids (one item), or an array of arrays of token ids. Each item is embedded or completed
/// on its own, and billed on its own.
/// </summary>
/// <param name="Items">The strings or token-id sequences.</param>
/// <param name="Units">
/// The bytes of the strings as they stand in the body, plus one per token id: a bound on the tokens of all items.
/// The escaped JSON form of a string is never shorter than its UTF-8 text, so no string is decoded to count it.
/// </param>
/// <param name="MinItemTokens">
/// A lower bound of the tokens of the smallest item: the length of the shortest token-id sequence, or 0 when any item
/// is text (its bytes prove no lower bound).
/// </param>
/// <param name="MaxItemUnits">The units of the largest item: what a cap per item takes off first.</param>
internal readonly record struct TextOrTokenIds(int Items, long Units, long MinItemTokens, long MaxItemUnits)
{
    /// <summary>
    /// Reads and measures the value of the member the reader is on, in one pass.
    /// </summary>
    /// <returns>The measure, or <see langword="null"/> when the value is <c>null</c>.</returns>
    /// <exception cref="UnboundedRequestException">The value has none of the four shapes, or is an empty array.</exception>
    public static TextOrTokenIds? Read(ref Utf8JsonReader reader, string api, string name)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                long length = TextUnits(ref reader);
                return new TextOrTokenIds(1, length, 0, length);
            case JsonTokenType.StartArray:
                break;
            default:
                throw WrongShape(api, name);
        }

        if (!reader.Read() || reader.TokenType == JsonTokenType.EndArray)
        {
            throw JsonRequestFields.Malformed(api, $"\"{name}\" must not be an empty array");
        }

        // The first item decides the shape; every other item must have it too.
        var shape = reader.TokenType;
        int items = 0;
        long units = 0, minItemTokens = long.MaxValue, maxItemUnits = 0;
        do
        {
            if (reader.TokenType != shape)
            {
                throw WrongShape(api, name);
            }

            switch (shape)
            {
                case JsonTokenType.String:
                    long length = TextUnits(ref reader);
                    items++;
                    units += length;
                    minItemTokens = 0;
                    maxItemUnits = Math.Max(maxItemUnits, length);
                    break;
                case JsonTokenType.Number:
                    CheckTokenId(ref reader, api, name);
                    units++;
                    break;
                case JsonTokenType.StartArray:
                    long ids = 0;
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        CheckTokenId(ref reader, api, name);
                        ids++;
                    }

                    items++;
                    units += ids;
                    minItemTokens = Math.Min(minItemTokens, ids);
                    maxItemUnits = Math.Max(maxItemUnits, ids);
                    break;
                default:
                    throw WrongShape(api, name);
            }
        }
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray);

        // An array of token ids is one sequence: its tokens are exactly its ids.
        return shape == JsonTokenType.Number ? new TextOrTokenIds(1, units, units, units) : new TextOrTokenIds(items, units, minItemTokens, maxItemUnits);
    }

    /// <summary>
    /// The bytes of the string the reader is on, as they stand in the body: a bound on its tokens, because
    /// <see cref="GuardedRequestReader"/> has checked that the body is UTF-8.
    /// </summary>
    public static long TextUnits(ref Utf8JsonReader reader) => reader.ValueSpan.Length;

    private static void CheckTokenId(ref Utf8JsonReader reader, string api, string name)
    {
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int id) || id < 0)
        {
            throw JsonRequestFields.Malformed(api, $"the token ids of \"{name}\" must be whole numbers of at least 0");
        }
    }

    private static UnboundedRequestException WrongShape(string api, string name) =>
        JsonRequestFields.Malformed(api, $"\"{name}\" must be a string, an array of strings, an array of token ids or an array of arrays of token ids");
}
