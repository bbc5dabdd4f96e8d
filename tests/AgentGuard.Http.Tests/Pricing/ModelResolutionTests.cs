using AgentGuard.Http.Pricing;

namespace AgentGuard.Http.Tests.Pricing;

/// <summary>Request model names resolved through genai-prices' matching rules, on the generated table, with real names.</summary>
public sealed class ModelResolutionTests
{
    [Theory]
    // Dated snapshots and aliases the rules list.
    [InlineData("claude-sonnet-4-5-20250929", "claude-sonnet-4-5")]
    [InlineData("claude-opus-4-1-20250805", "claude-opus-4-1")]
    [InlineData("claude-opus-4-20250514", "claude-opus-4-0")]
    [InlineData("claude-haiku-4-5-20251001", "claude-haiku-4-5")]
    [InlineData("claude-3-7-sonnet-20250219", "claude-3-7-sonnet-latest")]
    [InlineData("gpt-5-chat-latest", "gpt-5")]
    [InlineData("gpt-5.1-codex", "gpt-5.1")]
    [InlineData("gpt-4-1106-preview", "gpt-4-turbo")]
    [InlineData("gpt-4-turbo-preview", "gpt-4-turbo")]
    [InlineData("gpt-5.6", "gpt-5.6-sol")]
    [InlineData("o3-2025-04-16", "o3")]
    [InlineData("o4-mini-2025-04-16", "o4-mini")]
    // -latest aliases.
    [InlineData("claude-3-5-haiku-latest", "claude-3-5-haiku-latest")]
    [InlineData("gemini-2.5-flash-latest", "gemini-2.5-flash")]
    [InlineData("codex-mini-latest", "codex-mini")]
    // Prefixes and patterns: a preview of the family, Vertex AI's @-versions, the TTS variant kept apart.
    [InlineData("gemini-2.5-pro-preview-06-05", "gemini-2.5-pro")]
    [InlineData("gemini-2.5-pro-preview-tts", "gemini-2.5-pro-tts")]
    [InlineData("gemini-3-pro-preview-11-2025", "gemini-3-pro-preview")]
    [InlineData("claude-sonnet-4@20250514", "claude-sonnet-4-0")]
    [InlineData("claude-opus-4-6@20260205", "claude-opus-4-6")]
    // Provider prefixes, and Gemini's resource names.
    [InlineData("openai/gpt-4o", "gpt-4o")]
    [InlineData("anthropic/claude-sonnet-4-5", "claude-sonnet-4-5")]
    [InlineData("models/gemini-2.5-pro", "gemini-2.5-pro")]
    [InlineData("gemini/gemini-2.5-flash", "gemini-2.5-flash")]
    [InlineData("azure/gpt-4o", "gpt-4o")]
    // Fine-tuned models resolve to fine-tuning prices only.
    [InlineData("ft:gpt-4o-2024-08-06:acme::abc123", "ft:gpt-4o")]
    public void TryResolve_RealName_ResolvesToItsEntry(string model, string family)
    {
        Assert.True(PriceTable.Embedded.TryResolve(model, out var priced), model);
        Assert.Equal(family, priced.Family);
        Assert.Same(PriceTable.Embedded.Models[family], priced.Price);
    }

    [Theory]
    [InlineData("anthropic/gpt-4o")]
    [InlineData("openai/gemini-2.5-flash")]
    [InlineData("models/gpt-4o")]
    [InlineData("acme/gpt-4o")]
    [InlineData("ft:gpt-4o-mini:acme::abc123")]
    [InlineData("ft:gpt-4-0613:acme::abc123")]
    [InlineData("Claude-Sonnet-4-5")]
    public void TryResolve_NameOfAnotherProviderOrShape_IsUnknown(string model)
    {
        Assert.False(PriceTable.Embedded.TryResolve(model, out _));
    }

    [Fact]
    public void TryResolve_SeveralPatternsMatch_TheHigherPricesWin()
    {
        var cheap = Price(1m, 2m, ModelMatch.Leaf(ModelMatchKind.StartsWith, "acme-"));
        var dear = Price(3m, 8m, ModelMatch.Leaf(ModelMatchKind.Contains, "-large"));
        var table = new PriceTable("2026-12-01", "test", new(StringComparer.Ordinal) { ["acme"] = cheap, ["acme-large"] = dear });

        Assert.True(table.TryResolve("acme-xl-large-v2", out var priced));

        Assert.Equal("acme-large", priced.Family);
    }

    [Fact]
    public void Resolve_Typo_IsRefusedWithADidYouMean()
    {
        var ex = Assert.Throws<UnknownModelPriceException>(() => PriceTable.Embedded.Resolve("gpt-4o-mni"));

        Assert.Equal("gpt-4o-mni", ex.Model);
        Assert.Contains("Did you mean 'gpt-4o-mini'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AgentGuardOptions.Prices[\"gpt-4o-mni\"]", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GPT-4O", "gpt-4o")]
    [InlineData("gpt-4o ", "gpt-4o")]
    [InlineData("claude-sonet-4-5", "claude-sonnet-4-5")]
    [InlineData("gemini-2.5-prp", "gemini-2.5-pro")]
    [InlineData("o3mini", "o3-mini")]
    public void NearNames_NearName_IsSuggested(string model, string suggestion)
    {
        Assert.Contains(suggestion, PriceTable.Embedded.NearNames(model));
    }

    [Theory]
    [InlineData("my-own-model")]
    [InlineData("gpt-7-ultra")]
    [InlineData("")]
    public void NearNames_NothingNear_SuggestsNothingAndTheMessageSaysNoDidYouMean(string model)
    {
        Assert.Empty(PriceTable.Embedded.NearNames(model));
        Assert.DoesNotContain("Did you mean", Assert.Throws<UnknownModelPriceException>(() => PriceTable.Embedded.Resolve(model)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NearNames_HugeName_IsNotCompared()
    {
        Assert.Empty(PriceTable.Embedded.NearNames("gpt-4o" + new string('x', 100_000)));
    }

    private static ModelPrice Price(decimal input, decimal output, ModelMatch match) => new()
    {
        InputUsdPerMillionTokens = input,
        OutputUsdPerMillionTokens = output,
        ContextWindowTokens = 1000,
        MaxOutputTokens = 100,
        Match = match,
    };
}
