using AgentGuard.Http.Pricing;

namespace AgentGuard.Http;

/// <summary>
/// The price and limits of one model, in USD per one million tokens. Used for the embedded price
/// table and for user overrides and additions (<see cref="AgentGuardOptions.Prices"/>).
/// </summary>
public sealed class ModelPrice
{
    /// <summary>Price of one million uncached input tokens at the standard tier.</summary>
    public decimal InputUsdPerMillionTokens { get; set; }

    /// <summary>Price of one million cached input tokens; <see langword="null"/> when cached input bills at the input price.</summary>
    public decimal? CachedInputUsdPerMillionTokens { get; set; }

    /// <summary>Price of one million output tokens (reasoning tokens included) at the standard tier.</summary>
    public decimal OutputUsdPerMillionTokens { get; set; }

    /// <summary>
    /// Price of one million input tokens written to the prompt cache (Anthropic's five-minute cache writes, OpenAI's cache
    /// writes where they are billed); <see langword="null"/> when cache writes are not billed apart from input. A usage that
    /// does not say which input tokens were written to the cache bills every uncached input token at the higher of this and
    /// the input price.
    /// </summary>
    public decimal? CacheWriteUsdPerMillionTokens { get; set; }

    /// <summary>
    /// Price of one million input tokens written to a one-hour prompt cache (Anthropic); <see langword="null"/> when there is
    /// no such cache. Like <see cref="CacheWriteUsdPerMillionTokens"/>, it bounds uncached input whose cache writes are not reported.
    /// </summary>
    public decimal? CacheWrite1hUsdPerMillionTokens { get; set; }

    /// <summary>
    /// Price of one million audio input tokens (<c>usage.prompt_tokens_details.audio_tokens</c>) at the standard tier;
    /// <see langword="null"/> when no price is known: usage that reports audio input tokens is then charged its whole
    /// reservation, never priced as text. Tier multipliers apply to it as to the text prices; the long-context prices
    /// have no audio price, so audio is unpriced above their threshold.
    /// </summary>
    public decimal? AudioInputUsdPerMillionTokens { get; set; }

    /// <summary>
    /// Price of one million audio output tokens (<c>usage.completion_tokens_details.audio_tokens</c>) at the standard tier;
    /// <see langword="null"/> when no price is known: chat requests that ask for audio output (<c>modalities</c> with
    /// <c>"audio"</c>, or an <c>audio</c> parameter) are then refused. With a price, every output token of such a request is
    /// reserved at the larger of the text and audio output prices. Tier multipliers apply to it as to the text prices; the
    /// long-context prices have no audio price, so audio output is refused when the input may exceed their threshold.
    /// </summary>
    public decimal? AudioOutputUsdPerMillionTokens { get; set; }

    /// <summary>The context window: input plus output tokens.</summary>
    public int ContextWindowTokens { get; set; }

    /// <summary>The most output tokens one choice can produce; bounds requests that set no output cap.</summary>
    public int MaxOutputTokens { get; set; }

    /// <summary>The most input tokens the model accepts, where it is smaller than the context window.</summary>
    public int? MaxInputTokens { get; set; }

    /// <summary>
    /// The tokenizer encoding (<c>o200k_base</c> or <c>cl100k_base</c>). When unknown, the guard bounds input
    /// by its UTF-8 byte length only, which is always safe but never tightened by an exact count.
    /// </summary>
    public string? Encoding { get; set; }

    /// <summary>
    /// Multipliers of the standard prices for the other tiers the model is billed at (for example
    /// <see cref="ServiceTier.Priority"/> = 2.0). A tier missing here has no known price: calls at it are refused.
    /// </summary>
    public IDictionary<ServiceTier, decimal> TierMultipliers { get; set; } = new Dictionary<ServiceTier, decimal>();

    /// <summary>Higher prices that apply to the whole request when its input exceeds a threshold (gpt-5.4, gpt-5.5, claude-sonnet-4-5, gemini-2.5-pro).</summary>
    public LongContextPrice? LongContext { get; set; }

    /// <summary>
    /// How the model counts image inputs in input tokens. Requests with image inputs to a model without a rule are
    /// refused, because their cost cannot be bounded.
    /// </summary>
    public ImageTokenRule? ImageTokens { get; set; }

    /// <summary>
    /// The request model names this entry prices besides its own name and its dated snapshots: the price source's matching
    /// rule (aliases, <c>-latest</c> names, prefixes). <see langword="null"/> for prices set in code.
    /// </summary>
    internal ModelMatch? Match { get; set; }

    /// <summary>The providers that bill the model under this name (<c>openai</c>, <c>azure</c>, <c>anthropic</c>, <c>google</c>); empty when not known.</summary>
    internal IReadOnlyList<string> Providers { get; set; } = [];

    /// <summary>Where this entry's figures come from, when the table says it (the generated table does, per model).</summary>
    internal string? SourceNote { get; set; }
}

/// <summary>
/// Prices that apply to a whole request whose input exceeds <see cref="AboveInputTokens"/>. No audio price is published for
/// them: above the threshold, audio is unpriced (audio output is refused, reported audio tokens charge the reservation in full).
/// </summary>
public sealed class LongContextPrice
{
    /// <summary>The input size above which these prices apply.</summary>
    public int AboveInputTokens { get; set; }

    /// <summary>Price of one million uncached input tokens.</summary>
    public decimal InputUsdPerMillionTokens { get; set; }

    /// <summary>Price of one million cached input tokens; <see langword="null"/> when cached input bills at the input price.</summary>
    public decimal? CachedInputUsdPerMillionTokens { get; set; }

    /// <summary>Price of one million output tokens.</summary>
    public decimal OutputUsdPerMillionTokens { get; set; }

    /// <summary>Price of one million input tokens written to the prompt cache; <see langword="null"/>: the model's <see cref="ModelPrice.CacheWriteUsdPerMillionTokens"/>.</summary>
    public decimal? CacheWriteUsdPerMillionTokens { get; set; }

    /// <summary>Price of one million input tokens written to a one-hour cache; <see langword="null"/>: the model's <see cref="ModelPrice.CacheWrite1hUsdPerMillionTokens"/>.</summary>
    public decimal? CacheWrite1hUsdPerMillionTokens { get; set; }
}
