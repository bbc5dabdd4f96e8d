namespace AgentGuard.Http;

/// <summary>Conversions between USD (decimal, the public API) and whole micro-dollars (long, the ledgers).</summary>
internal static class Micros
{
    private const decimal PerUsd = 1_000_000m;

    /// <summary>The largest amount a ledger can hold: 2^63 - 1 micro-dollars.</summary>
    public const decimal MaxUsd = long.MaxValue / PerUsd;

    /// <summary>A limit: rounded down, so that a budget is never larger than configured.</summary>
    public static long LimitFromUsd(decimal usd) => (long)decimal.Floor(usd * PerUsd);

    public static decimal ToUsd(long micros) => micros / PerUsd;

    public static double ToUsdDouble(long micros) => micros / 1_000_000d;
}
