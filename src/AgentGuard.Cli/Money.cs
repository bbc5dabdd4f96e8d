using System.Globalization;
using AgentGuard.Http;

namespace AgentGuard.Cli;

/// <summary>Money as the ledgers keep it (whole micro-dollars) shown and read as USD, always in the invariant culture.</summary>
internal static class Money
{
    private const decimal MicrosPerUsd = 1_000_000m;

    /// <summary>USD, exact: at least two decimals, up to six (one micro-dollar).</summary>
    public static string Usd(long micros) =>
        (micros < 0 ? "-$" : "$") + Math.Abs(micros / MicrosPerUsd).ToString("#,##0.00####", CultureInfo.InvariantCulture);

    /// <summary>The same amount as a JSON-friendly decimal.</summary>
    public static decimal ToUsd(long micros) => micros / MicrosPerUsd;

    /// <summary>Reads a positive USD amount (<c>25</c>, <c>0.05</c>, <c>$1.5</c>) as a limit: rounded down to whole micro-dollars, like the library.</summary>
    public static long ParseLimit(string text, string what)
    {
        string trimmed = text.Trim().TrimStart('$');
        if (!decimal.TryParse(trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal usd) || usd <= 0 || usd > Micros.MaxUsd)
        {
            throw new CliException($"{what} must be an amount in USD greater than zero, such as 25 or 0.05, but it is '{text}'.");
        }

        long micros = Micros.LimitFromUsd(usd);
        return micros > 0 ? micros : throw new CliException($"{what} must be at least one micro-dollar (0.000001 USD), but it is '{text}'.");
    }
}
