using System.Text.Json;
using AgentGuard.Http.Estimation;
using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// The input of an Embeddings request is all it bills: the tokens of its <c>input</c> items, each tokenized on its own
/// with no framing (see <see cref="TextOrTokenIdsInputBounds"/>). Nothing is generated, so the context window is
/// never a cap and no lower bound is needed.
/// </summary>
internal static class EmbeddingsInputBounds
{
    public static InputTokenBound ByBytes(EmbeddingsRequest request, ModelPrice price) =>
        new(TextOrTokenIdsInputBounds.UpperByBytes(request.Input, TextOrTokenIdsInputBounds.CapPerItem(price)), Lower: 0, PredictionUpper: 0);

    public static InputTokenBound ByTokenizer(ReadOnlySpan<byte> body, ModelPrice price, TextTokens tokens)
    {
        long cap = TextOrTokenIdsInputBounds.CapPerItem(price);
        var reader = new Utf8JsonReader(body, JsonRequestFields.ReaderOptions);
        reader.Read();
        long upper = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("input"u8))
            {
                // The last "input" is the one read, as by the request reader.
                (upper, _) = TextOrTokenIdsInputBounds.ByTokenizer(ref reader, tokens, cap);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new InputTokenBound(upper, Lower: 0, PredictionUpper: 0);
    }
}
