using System.Text;
using System.Text.Json;
using AgentGuard.Http.Pricing;
using Microsoft.ML.Tokenizers;

namespace AgentGuard.Http.Estimation;

/// <summary>
/// Counts the tokens of one call's text with a tokenizer, for every endpoint, in time bounded per call: one instance per
/// call, through every string the call's input bound counts.
/// <para>
/// A tiktoken encoding splits text into pieces with its pre-tokenizer (a regular expression: words, runs of digits of up
/// to three, runs of punctuation or of white space) and merges the bytes of each piece on its own; the text's tokens are
/// the sum of its pieces'. Both encodings are byte-level BPE vocabularies that hold all 256 single bytes, so no text has
/// more tokens than UTF-8 bytes: whatever is not merged is bounded by its bytes, and still bounded from above.
/// </para>
/// <para>
/// Two limits keep the count's time bounded. Merging a piece costs time quadratic in its length in
/// Microsoft.ML.Tokenizers, so one long piece (a long run of letters without a space or a digit, of punctuation, of white
/// space, of CJK without punctuation) would pin a core for minutes: a million letters took 208 s. A piece longer than
/// <see cref="MaxMergedPieceBytes"/> is therefore bounded by its bytes. And merging short pieces no cache has seen (random
/// words, base64) still costs 0.1 to 0.3 µs per byte, so a call merges at most <see cref="MergedBytesPerCall"/>: the
/// rest of its text is bounded by its bytes without being split. Ordinary text (words, numbers, code) has no long piece,
/// and ordinary prompts are under the allowance: they are counted exactly.
/// </para>
/// </summary>
internal sealed class TextTokens
{
    /// <summary>
    /// The longest piece that is merged. Merging costs about as much per byte up to this length as it does for the
    /// shortest pieces (measured: 0.1 to 0.25 µs per byte from 16 to 128 bytes, then it grows with the length); words
    /// are far shorter, and a longer piece is what text without separators looks like (CJK or Thai sentences of more
    /// than about 40 characters, blobs), where the bound loosens to the piece's bytes.
    /// </summary>
    public const int MaxMergedPieceBytes = 128;

    /// <summary>
    /// The most text (UTF-8 bytes of merged pieces) one call counts exactly: 1 MiB. Merging costs at most about 0.3 µs per
    /// byte (random words no cache has seen, measured in <c>HostileTokenizerBenchmarks</c>), so deciding on any call costs
    /// at most about 0.3 s of merging, however large its body; past the allowance a text costs only a scan of its bytes.
    /// It is that large because prompts that fill common context windows must still count exactly: 128K tokens of English
    /// are about 600 KB (4.7 bytes a token), of code about 500 KB, with room left for tool definitions. Texts past it are
    /// larger than most models accept (their exact part alone is then about 250K tokens of English), so bounding the rest by
    /// its bytes loosens only bounds of calls OpenAI would refuse.
    /// </summary>
    public const int MergedBytesPerCall = 1 << 20;

    private readonly Tokenizer _tokenizer;
    private readonly CancellationToken _cancellationToken;
    private long _mergeLeft;

    /// <param name="tokenizer">The model's encoding.</param>
    /// <param name="cancellationToken">The caller's token, observed between pieces.</param>
    /// <param name="mergedBytes">The call's allowance of merged bytes (<see cref="MergedBytesPerCall"/>; tests set a smaller one).</param>
    public TextTokens(Tokenizer tokenizer, CancellationToken cancellationToken = default, long mergedBytes = MergedBytesPerCall)
    {
        _tokenizer = tokenizer;
        _cancellationToken = cancellationToken;
        _mergeLeft = mergedBytes;
    }

    /// <summary>The counter of one call on <paramref name="model"/>, or <see langword="null"/> when its encoding is unknown.</summary>
    public static TextTokens? ForCall(PricedModel model, CancellationToken cancellationToken) =>
        Tokenizers.ForEncoding(model.Price.Encoding) is { } tokenizer ? new TextTokens(tokenizer, cancellationToken) : null;

    /// <summary>What is left of the call's allowance of merged bytes.</summary>
    public long MergedBytesLeft => _mergeLeft;

    /// <summary>The tokens of the JSON string the reader is on (see <see cref="CountText"/>).</summary>
    /// <exception cref="OperationCanceledException">The caller's token was cancelled.</exception>
    public (long Upper, long Lower) Count(ref Utf8JsonReader reader)
    {
        _cancellationToken.ThrowIfCancellationRequested();
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

        return CountText(text);
    }

    /// <summary>
    /// The tokens of a text. <c>Upper</c> bounds them from above; <c>Lower</c> from below: the exact counts of the pieces
    /// merged, one token for each piece bounded by its bytes, and one for the rest of the text once the allowance is spent
    /// (it holds at least one piece; counting its pieces would cost the regular expression's time, which the allowance
    /// saves, and the exact part's count is then already beyond most context windows). When the text spells a special
    /// token (<c>&lt;|endoftext|&gt;</c>), the tokenizer counts such a token as one while OpenAI may read it as plain text
    /// (several tokens): neither count is then proven, so the text's bytes bound it from above and nothing from below.
    /// </summary>
    /// <exception cref="OperationCanceledException">The caller's token was cancelled.</exception>
    public (long Upper, long Lower) CountText(string text)
    {
        if (text.Contains("<|", StringComparison.Ordinal) || _tokenizer.PreTokenizer is not { } pre)
        {
            return (Encoding.UTF8.GetByteCount(text), 0);
        }

        if (_mergeLeft == 0)
        {
            // Not even split: the regular expression costs 50 to 60 ms a megabyte of short pieces.
            return text.Length == 0 ? (0, 0) : (Encoding.UTF8.GetByteCount(text), 1);
        }

        long upper = 0, lower = 0;
        foreach (var (offset, length) in pre.PreTokenize(text))
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var piece = text.AsSpan(offset, length);
            int bytes = Encoding.UTF8.GetByteCount(piece);
            if (bytes > MaxMergedPieceBytes)
            {
                upper += bytes;
                lower++;
            }
            else if (bytes > _mergeLeft)
            {
                // The allowance is spent: this piece and all that follow it are bounded by their bytes, in one scan.
                _mergeLeft = 0;
                return (upper + Encoding.UTF8.GetByteCount(text.AsSpan(offset)), lower + 1);
            }
            else
            {
                int tokens = _tokenizer.CountTokens(piece, considerPreTokenization: false, considerNormalization: false);
                _mergeLeft -= bytes;
                upper += tokens;
                lower += tokens;
            }
        }

        return (upper, lower);
    }
}
