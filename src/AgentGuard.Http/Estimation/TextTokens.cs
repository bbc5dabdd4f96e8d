using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace AgentGuard.Http.Estimation;

/// <summary>
/// Counting the tokens of text with a tokenizer, for every endpoint, in time linear in the text.
/// <para>
/// A tiktoken encoding splits text into pieces with its pre-tokenizer (a regular expression: words, runs of digits of up
/// to three, runs of punctuation or of white space) and merges the bytes of each piece on its own; the text's tokens are
/// the sum of its pieces'. Merging a piece costs time quadratic in its length in Microsoft.ML.Tokenizers, so one long
/// piece (a long run of letters without a space or a digit, of punctuation, of white space, of CJK without punctuation)
/// would pin a core for minutes: a million letters took 208 s. A piece
/// longer than <see cref="MaxMergedPieceBytes"/> is therefore bounded by its UTF-8 bytes instead of merged: both
/// encodings are byte-level BPE vocabularies that hold all 256 single bytes, so no piece has more tokens than bytes.
/// Ordinary text (words, numbers, code) has no such piece and is counted exactly.
/// </para>
/// </summary>
internal static class TextTokens
{
    /// <summary>
    /// The longest piece that is merged. Merging costs about as much per byte up to this length as it does for the
    /// shortest pieces (measured: 0.1 to 0.25 µs per byte from 16 to 128 bytes, then it grows with the length); words
    /// are far shorter, and a longer piece is what text without separators looks like (CJK or Thai sentences of more
    /// than about 40 characters, blobs), where the bound loosens to the piece's bytes.
    /// </summary>
    public const int MaxMergedPieceBytes = 128;

    /// <summary>The tokens of the JSON string the reader is on (see <see cref="CountText"/>).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static (long Upper, long Lower) Count(ref Utf8JsonReader reader, Tokenizer tokenizer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string text;
        try
        {
            text = reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // A lone surrogate escape: the guard refuses such bodies before it bounds them (GuardedRequestReader), but an
            // estimator run on its own still bounds the string by its bytes.
            return (reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length, 0);
        }

        return CountText(text, tokenizer, cancellationToken);
    }

    /// <summary>
    /// The tokens of a text. <c>Upper</c> bounds them from above; <c>Lower</c> from below (the exact counts of the pieces
    /// merged, one token for each piece bounded by its bytes). When the text spells a special token
    /// (<c>&lt;|endoftext|&gt;</c>), the tokenizer counts such a token as one while OpenAI may read it as plain text
    /// (several tokens): neither count is then proven, so the text's bytes bound it from above and nothing from below.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static (long Upper, long Lower) CountText(string text, Tokenizer tokenizer, CancellationToken cancellationToken = default)
    {
        if (text.Contains("<|", StringComparison.Ordinal) || tokenizer.PreTokenizer is not { } pre)
        {
            return (Encoding.UTF8.GetByteCount(text), 0);
        }

        long upper = 0, lower = 0;
        foreach (var (offset, length) in pre.PreTokenize(text))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var piece = text.AsSpan(offset, length);
            int bytes = Encoding.UTF8.GetByteCount(piece);
            if (bytes > MaxMergedPieceBytes)
            {
                upper += bytes;
                lower++;
            }
            else
            {
                int tokens = tokenizer.CountTokens(piece, considerPreTokenization: false, considerNormalization: false);
                upper += tokens;
                lower += tokens;
            }
        }

        return (upper, lower);
    }
}
