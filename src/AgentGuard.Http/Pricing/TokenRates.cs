namespace AgentGuard.Http.Pricing;

/// <summary>
/// Prices in USD per one million tokens, which is the same number as micro-dollars per token:
/// multiplying a token count by a rate gives micro-dollars directly.
/// </summary>
internal readonly record struct TokenRates(decimal Input, decimal CachedInput, decimal Output)
{
    /// <summary>The cost in micro-dollars, exact (not yet rounded).</summary>
    public decimal CostMicros(long uncachedInputTokens, long cachedInputTokens, long outputTokens) =>
        (uncachedInputTokens * Input) + (cachedInputTokens * CachedInput) + (outputTokens * Output);

    /// <summary>Rounds a cost up to whole micro-dollars: a reservation or a charge is never rounded down.</summary>
    public static long RoundUp(decimal micros) => (long)decimal.Ceiling(micros);
}
