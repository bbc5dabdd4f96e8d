namespace AgentGuard.Http.Pricing;

/// <summary>
/// Prices in USD per one million tokens, which is the same number as micro-dollars per token:
/// multiplying a token count by a rate gives micro-dollars directly.
/// </summary>
internal readonly record struct TokenRates(decimal Input, decimal CachedInput, decimal Output)
{
    /// <summary>The audio input rate, <see langword="null"/> when audio input has no known price.</summary>
    public decimal? AudioInput { get; init; }

    /// <summary>The audio output rate, <see langword="null"/> when audio output has no known price.</summary>
    public decimal? AudioOutput { get; init; }

    /// <summary>The rate of input tokens written to the prompt cache, <see langword="null"/> when writes are not billed apart.</summary>
    public decimal? CacheWrite { get; init; }

    /// <summary>The rate of input tokens written to a one-hour cache, <see langword="null"/> when there is none.</summary>
    public decimal? CacheWrite1h { get; init; }

    /// <summary>
    /// The rate of an uncached input token when nothing says whether it was written to the cache: the highest of the input
    /// and cache write rates. Bounds and usages that do not split cache writes out (OpenAI's) price uncached input at it.
    /// </summary>
    public decimal UncachedInput => Math.Max(Input, Math.Max(CacheWrite ?? Input, CacheWrite1h ?? Input));

    /// <summary>The cost in micro-dollars, exact (not yet rounded); uncached input at <see cref="UncachedInput"/>.</summary>
    public decimal CostMicros(long uncachedInputTokens, long cachedInputTokens, long outputTokens) =>
        (uncachedInputTokens * UncachedInput) + (cachedInputTokens * CachedInput) + (outputTokens * Output);

    /// <summary>
    /// The cost in micro-dollars of a usage that reports its cache writes (Anthropic's): uncached input at the input rate,
    /// writes at their rates (at the input rate where the model has none), reads at the cached rate.
    /// </summary>
    public decimal CostMicrosWithCacheWrites(long uncachedInputTokens, long cacheReadTokens, long cacheWriteTokens, long cacheWrite1hTokens, long outputTokens) =>
        (uncachedInputTokens * Input) + (cacheReadTokens * CachedInput) + (cacheWriteTokens * (CacheWrite ?? Input))
        + (cacheWrite1hTokens * (CacheWrite1h ?? CacheWrite ?? Input)) + (outputTokens * Output);

    /// <summary>
    /// The cost in micro-dollars of a usage with audio tokens: <paramref name="audioInputTokens"/> at the audio input rate and
    /// <paramref name="audioOutputTokens"/> at the audio output rate, the other tokens as text. The caller checks first that
    /// the audio tokens it passes have a price: an unpriced audio token is never billed as text.
    /// </summary>
    public decimal CostMicros(long uncachedTextInputTokens, long cachedInputTokens, long textOutputTokens, long audioInputTokens, long audioOutputTokens) =>
        CostMicros(uncachedTextInputTokens, cachedInputTokens, textOutputTokens)
        + (audioInputTokens == 0 ? 0m : audioInputTokens * (AudioInput ?? throw new InvalidOperationException("Audio input tokens have no price.")))
        + (audioOutputTokens == 0 ? 0m : audioOutputTokens * (AudioOutput ?? throw new InvalidOperationException("Audio output tokens have no price.")));

    /// <summary>Rounds a cost up to whole micro-dollars: a reservation or a charge is never rounded down.</summary>
    /// <remarks>
    /// A cost beyond what a ledger can hold (absurd token counts) saturates instead of overflowing: as a reservation no
    /// budget covers it, as a settlement it records the most a ledger can.
    /// </remarks>
    public static long RoundUp(decimal micros)
    {
        decimal whole = decimal.Ceiling(micros);
        return whole >= long.MaxValue ? long.MaxValue : (long)whole;
    }
}
