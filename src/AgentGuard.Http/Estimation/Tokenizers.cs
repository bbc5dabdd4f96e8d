using Microsoft.ML.Tokenizers;

namespace AgentGuard.Http.Estimation;

/// <summary>
/// One tokenizer per encoding, created on first use from the vocabularies shipped in the
/// Microsoft.ML.Tokenizers.Data packages (no network) and shared: they are thread-safe.
/// The model-to-encoding map is the price table's <see cref="ModelPrice.Encoding"/>, because
/// Microsoft.ML.Tokenizers 2.0.1 does not know gpt-5.1 and later names.
/// </summary>
internal static class Tokenizers
{
    public const string O200kBase = "o200k_base";
    public const string Cl100kBase = "cl100k_base";

    private static readonly Lazy<Tokenizer> s_o200k = new(() => TiktokenTokenizer.CreateForEncoding(O200kBase));
    private static readonly Lazy<Tokenizer> s_cl100k = new(() => TiktokenTokenizer.CreateForEncoding(Cl100kBase));

    public static bool IsKnownEncoding(string encoding) => encoding is O200kBase or Cl100kBase;

    /// <summary>The tokenizer of an encoding, or <see langword="null"/> when the encoding is unknown.</summary>
    public static Tokenizer? ForEncoding(string? encoding) => encoding switch
    {
        O200kBase => s_o200k.Value,
        Cl100kBase => s_cl100k.Value,
        _ => null,
    };
}
