using AgentGuard.Http.Estimation;
using Microsoft.ML.Tokenizers;

namespace AgentGuard.Http.Tests.Estimation;

public sealed class TokenizersTests
{
    [Theory]
    [InlineData("o200k_base", true)]
    [InlineData("cl100k_base", true)]
    [InlineData("p50k_base", false)]
    [InlineData("O200K_BASE", false)]
    [InlineData("", false)]
    public void IsKnownEncoding_Name_IsTrueOnlyForTheTwoChatEncodings(string encoding, bool known)
    {
        Assert.Equal(known, Tokenizers.IsKnownEncoding(encoding));
        Assert.Equal(known, Tokenizers.ForEncoding(encoding) is not null);
    }

    [Fact]
    public void ForEncoding_Null_IsNull()
    {
        Assert.Null(Tokenizers.ForEncoding(null));
    }

    [Theory]
    [InlineData("o200k_base")]
    [InlineData("cl100k_base")]
    public void ForEncoding_KnownEncoding_IsSharedAndCountsLikeTiktoken(string encoding)
    {
        const string text = "Hello, world! 日本語 😀 tokenization";
        var reference = TiktokenTokenizer.CreateForEncoding(encoding);

        var tokenizer = Tokenizers.ForEncoding(encoding);

        Assert.NotNull(tokenizer);
        Assert.Same(tokenizer, Tokenizers.ForEncoding(encoding));
        Assert.Equal(reference.CountTokens(text), tokenizer.CountTokens(text));
    }

    [Fact]
    public void ForEncoding_TheTwoEncodings_CountDifferently()
    {
        // "日本語のテキスト" splits differently in the two vocabularies; if both names mapped to one tokenizer this would fail.
        const string text = "日本語のテキストと한국어 텍스트 and some English text with numbers 1234567";

        Assert.NotEqual(
            Tokenizers.ForEncoding("o200k_base")!.CountTokens(text),
            Tokenizers.ForEncoding("cl100k_base")!.CountTokens(text));
    }
}
