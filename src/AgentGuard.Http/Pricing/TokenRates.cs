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

    /// <summary>The cost in micro-dollars, exact (not yet rounded).</summary>
    public decimal CostMicros(long uncachedInputTokens, long cachedInputTokens, long outputTokens) =>
        (uncachedInputTokens * Input) + (cachedInputTokens * CachedInput) + (outputTokens * Output);

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
