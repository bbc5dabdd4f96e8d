using System.Text;
using AgentGuard.Http.Estimation;
using Microsoft.ML.Tokenizers;

namespace AgentGuard.Http.Tests.Estimation;

/// <summary>Token counts bound the tokenizer's from both sides, in time linear in the text (issue 22).</summary>
public sealed class TextTokensTests
{
    private static readonly Tokenizer s_o200k = Tokenizers.ForEncoding(Tokenizers.O200kBase)!;
    private static readonly Tokenizer s_cl100k = Tokenizers.ForEncoding(Tokenizers.Cl100kBase)!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> OrdinaryTexts => new()
    {
        { "prose", "The quick brown fox jumps over the lazy dog, then runs 42 miles to Zürich!\n\nIt's done." },
        { "code", "public static int Sum(int[] xs) { int s = 0; foreach (var x in xs) { s += x; } return s; } // 1234567" },
        { "unicode", "日本語のテキストと한국어 텍스트, emoji 😀👍🏽 and ünïcödé, ﷽ e\u0301" },
        { "json", """{"a":[1,2,3],"b":{"c":"d"},"e":null,"f":true,"g":-1.5e10}""" },
        { "white space", "    indented\n\t\ttabs\r\n\r\n   trailing   " },
    };

    [Theory]
    [MemberData(nameof(OrdinaryTexts))]
    public void CountText_TextWithoutLongPieces_IsTheTokenizersExactCount(string what, string text)
    {
        foreach (var tokenizer in new[] { s_o200k, s_cl100k })
        {
            var (upper, lower) = TextTokens.CountText(text, tokenizer, Ct);

            Assert.True(upper == tokenizer.CountTokens(text), $"{what}: {upper} != {tokenizer.CountTokens(text)}");
            Assert.Equal(upper, lower);
        }
    }

    /// <summary>Texts made of pieces longer than the merge limit, short enough for the tokenizer to count them whole here.</summary>
    public static TheoryData<string, string> LongPieceTexts => new()
    {
        { "a run of one letter", new string('a', 3_000) },
        { "capitals", new string('Q', 1_000) },
        { "base64", Base64(3_000) },
        { "digits", new string('7', 2_000) },
        { "CJK", new string('中', 500) },
        { "Thai", string.Concat(Enumerable.Repeat("กขคงจฉชซ", 60)) },
        { "emoji", string.Concat(Enumerable.Repeat("😀", 300)) },
        { "combining marks", string.Concat(Enumerable.Repeat("e\u0301", 300)) },
        { "spaces", new string(' ', 2_000) + "x" },
        { "punctuation", new string('=', 1_000) },
        { "newlines", new string('\n', 1_000) },
        { "mixed", "head " + new string('z', 500) + " middle " + new string('!', 300) + " tail 123" },
    };

    [Theory]
    [MemberData(nameof(LongPieceTexts))]
    public void CountText_TextWithLongPieces_BoundsTheExactCountFromBothSides(string what, string text)
    {
        foreach (var tokenizer in new[] { s_o200k, s_cl100k })
        {
            int exact = tokenizer.CountTokens(text);

            var (upper, lower) = TextTokens.CountText(text, tokenizer, Ct);

            Assert.True(lower <= exact && exact <= upper, $"{what}: {lower} <= {exact} <= {upper} does not hold");
            Assert.True(upper <= Encoding.UTF8.GetByteCount(text), $"{what}: {upper} is above the text's bytes");
        }
    }

    [Fact]
    public void CountText_PieceAtTheLimit_IsMerged_OneByteLonger_IsBoundedByItsBytes()
    {
        string atLimit = new('a', TextTokens.MaxMergedPieceBytes);
        string longer = new('a', TextTokens.MaxMergedPieceBytes + 1);

        Assert.Equal(s_o200k.CountTokens(atLimit), TextTokens.CountText(atLimit, s_o200k, Ct).Upper);
        Assert.Equal((TextTokens.MaxMergedPieceBytes + 1, 1), TextTokens.CountText(longer, s_o200k, Ct));
    }

    [Fact]
    public void CountText_LimitIsInUtf8Bytes()
    {
        // 43 CJK characters are 129 bytes: one piece above the limit, although it has fewer characters.
        string text = new('中', 43);

        Assert.Equal((129, 1), TextTokens.CountText(text, s_o200k, Ct));
    }

    [Fact]
    public void CountText_MillionCharactersWithoutASpace_IsItsBytes()
    {
        // Regression (issue 22): this took 208 s when the whole run was merged.
        string text = new('a', 1_000_000);

        Assert.Equal((1_000_000, 1), TextTokens.CountText(text, s_o200k, Ct));
    }

    [Fact]
    public void CountText_LongNumber_IsOneTokenPerThreeDigits()
    {
        // Numbers are split into pieces of three digits: no piece is long, every one is merged.
        string text = new('9', 30_000);

        Assert.Equal((10_000, 10_000), TextTokens.CountText(text, s_o200k, Ct));
    }

    [Fact]
    public void CountText_SpecialTokenSpelledOut_IsItsBytesWithNoLowerBound()
    {
        const string text = "before <|endoftext|> after";

        Assert.Equal((Encoding.UTF8.GetByteCount(text), 0), TextTokens.CountText(text, s_o200k, Ct));
    }

    [Fact]
    public void CountText_CancelledToken_Throws()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => TextTokens.CountText("some words to count", s_o200k, cancelled.Token));
    }

    private static string Base64(int length)
    {
        var random = new Random(22);
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return Convert.ToBase64String(bytes)[..length];
    }
}
