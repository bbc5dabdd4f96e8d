using System.Text;
using System.Text.Json;
using AgentGuard.Http.Estimation;
using AgentGuard.Http.Tests.TestSupport;
using Microsoft.ML.Tokenizers;

namespace AgentGuard.Http.Tests.Estimation;

/// <summary>Token counts bound the tokenizer's from both sides, in time bounded per call (issue 22).</summary>
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
            var (upper, lower) = new TextTokens(tokenizer, Ct).CountText(text);

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

            var (upper, lower) = new TextTokens(tokenizer, Ct).CountText(text);

            Assert.True(lower <= exact && exact <= upper, $"{what}: {lower} <= {exact} <= {upper} does not hold");
            Assert.True(upper <= Encoding.UTF8.GetByteCount(text), $"{what}: {upper} is above the text's bytes");
        }
    }

    [Fact]
    public void CountText_PieceAtTheLimit_IsMerged_OneByteLonger_IsBoundedByItsBytes()
    {
        string atLimit = new('a', TextTokens.MaxMergedPieceBytes);
        string longer = new('a', TextTokens.MaxMergedPieceBytes + 1);

        Assert.Equal(s_o200k.CountTokens(atLimit), new TextTokens(s_o200k, Ct).CountText(atLimit).Upper);
        Assert.Equal((TextTokens.MaxMergedPieceBytes + 1, 1), new TextTokens(s_o200k, Ct).CountText(longer));
    }

    [Fact]
    public void CountText_LimitIsInUtf8Bytes()
    {
        // 43 CJK characters are 129 bytes: one piece above the limit, although it has fewer characters.
        string text = new('中', 43);

        Assert.Equal((129, 1), new TextTokens(s_o200k, Ct).CountText(text));
    }

    [Fact]
    public void CountText_MillionCharactersWithoutASpace_IsItsBytes()
    {
        // Regression (issue 22): this took 208 s when the whole run was merged.
        string text = new('a', 1_000_000);

        Assert.Equal((1_000_000, 1), new TextTokens(s_o200k, Ct).CountText(text));
    }

    [Fact]
    public void CountText_LongNumber_IsOneTokenPerThreeDigits()
    {
        // Numbers are split into pieces of three digits: no piece is long, every one is merged.
        string text = new('9', 30_000);

        Assert.Equal((10_000, 10_000), new TextTokens(s_o200k, Ct).CountText(text));
    }

    [Fact]
    public void CountText_SpecialTokenSpelledOut_IsItsBytesWithNoLowerBound()
    {
        const string text = "before <|endoftext|> after";

        Assert.Equal((Encoding.UTF8.GetByteCount(text), 0), new TextTokens(s_o200k, Ct).CountText(text));
    }

    [Fact]
    public void CountText_CancelledToken_Throws()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => new TextTokens(s_o200k, cancelled.Token).CountText("some words to count"));
    }

    [Fact]
    public void CountText_PromptThatFillsA128KWindow_IsUnderTheAllowance_AndExact()
    {
        // Ordinary prompts must not pay for the allowance: English filling gpt-4o's window counts exactly.
        string text = Prose(660_000);
        int exact = s_o200k.CountTokens(text);
        var tokens = new TextTokens(s_o200k, Ct);

        var (upper, lower) = tokens.CountText(text);

        Assert.True(exact >= 128_000, $"{exact} tokens: the text should fill a 128K window");
        Assert.Equal(exact, upper);
        Assert.Equal(exact, lower);
        Assert.True(tokens.MergedBytesLeft > 0, $"{tokens.MergedBytesLeft} bytes of allowance left");
    }

    [Fact]
    public void CountText_TextBeyondTheAllowance_IsExactUpToIt_ThenBoundedByItsBytes()
    {
        // The tokenizer's worst case (no piece cached), a fifth larger than the allowance, still short enough to count whole.
        string text = HostileBodies.RandomWords(TextTokens.MergedBytesPerCall + 200_000, seed: 22);
        int bytes = Encoding.UTF8.GetByteCount(text);
        int exact = s_o200k.CountTokens(text);
        var tokens = new TextTokens(s_o200k, Ct);

        var (upper, lower) = tokens.CountText(text);

        Assert.True(lower <= exact && exact <= upper && upper <= bytes, $"{lower} <= {exact} <= {upper} <= {bytes} does not hold");
        // Only the text past the allowance is loosened to its bytes: the allowance, short of less than one piece, was merged.
        Assert.True(upper - exact <= bytes - (TextTokens.MergedBytesPerCall - TextTokens.MaxMergedPieceBytes), $"upper {upper} is {upper - exact} above exact {exact}");
        Assert.True(upper > exact, $"upper {upper}: the text past the allowance was merged, not bounded");
        Assert.Equal(0, tokens.MergedBytesLeft);
    }

    [Fact]
    public void CountText_AllowanceIsPerCall_SpentByOneTextItBoundsTheNext_AFreshCallCountsAgain()
    {
        foreach (var tokenizer in new[] { s_o200k, s_cl100k })
        {
            string first = HostileBodies.RandomWords(10_000, seed: 7);
            const string second = "hello world";
            var call = new TextTokens(tokenizer, Ct, mergedBytes: 1_000);

            var (upper, lower) = call.CountText(first);
            var next = call.CountText(second);

            int exact = tokenizer.CountTokens(first);
            Assert.True(lower <= exact && exact <= upper && upper <= first.Length, $"{lower} <= {exact} <= {upper} <= {first.Length} does not hold");
            Assert.True(upper - exact <= first.Length - (1_000 - TextTokens.MaxMergedPieceBytes), $"upper {upper} is {upper - exact} above exact {exact}");
            Assert.Equal((second.Length, 1), next);
            Assert.Equal(tokenizer.CountTokens(second), new TextTokens(tokenizer, Ct, mergedBytes: 1_000).CountText(second).Upper);
        }
    }

    [Fact]
    public void Count_StringsOfOneBody_ShareTheAllowance()
    {
        string words = HostileBodies.RandomWords(3_000, seed: 5);
        byte[] json = Encoding.UTF8.GetBytes($"[\"{words}\",\"{words}\"]");
        var reader = new Utf8JsonReader(json);
        var call = new TextTokens(s_o200k, Ct, mergedBytes: 4_000);
        int exact = s_o200k.CountTokens(words);

        reader.Read();
        reader.Read();
        var first = call.Count(ref reader);
        reader.Read();
        var second = call.Count(ref reader);

        Assert.Equal((exact, exact), first);
        Assert.True(second.Upper > exact && second.Upper <= words.Length, $"second string: {second.Upper}, exact {exact}: the allowance should have run out in it");
    }

    /// <summary>English of common words in sentences and paragraphs, about <paramref name="length"/> characters.</summary>
    private static string Prose(int length)
    {
        string[] words =
        [
            "the", "budget", "of", "every", "agent", "is", "checked", "before", "a", "call", "leaves", "and", "its", "cost", "can",
            "never", "exceed", "what", "remains", "we", "reserve", "tokens", "for", "input", "output", "model", "answers", "with",
            "usage", "that", "settles", "reservation", "when", "stream", "ends", "request", "refused", "if", "limit", "reached",
        ];
        var random = new Random(3);
        var prose = new StringBuilder(length + 200);
        while (prose.Length < length)
        {
            int n = random.Next(5, 20);
            for (int i = 0; i < n; i++)
            {
                string word = words[random.Next(words.Length)];
                prose.Append(i == 0 ? char.ToUpperInvariant(word[0]) + word[1..] : word).Append(i == n - 1 ? ". " : random.Next(8) == 0 ? ", " : " ");
            }

            if (random.Next(6) == 0)
            {
                prose.Append("\n\n");
            }
        }

        return prose.ToString();
    }

    private static string Base64(int length)
    {
        var random = new Random(22);
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return Convert.ToBase64String(bytes)[..length];
    }
}
