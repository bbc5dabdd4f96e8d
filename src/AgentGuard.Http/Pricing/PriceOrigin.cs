using System.Globalization;

namespace AgentGuard.Http.Pricing;

/// <summary>
/// Where some of a table's prices come from: the embedded table, a prices file, or prices set in code, with the date the
/// prices were collected (when it is known) and what they were collected from.
/// </summary>
/// <param name="Name">How messages name it (<c>the embedded price table</c>, <c>the prices file '/etc/prices.json'</c>).</param>
/// <param name="Date">The date its prices were collected (<c>2026-12-07</c>, or a month: <c>2026-11</c>); <see langword="null"/> when unknown.</param>
/// <param name="Source">What its prices were collected from.</param>
internal sealed record PriceOrigin(string Name, string? Date, string Source)
{
    private static readonly string[] s_dateFormats = ["yyyy-MM-dd", "yyyy-MM"];

    /// <summary>
    /// The first day the date can mean (a month means its first day, so that the age is never understated), or
    /// <see langword="null"/> when there is no date or it is not one.
    /// </summary>
    public DateOnly? Day =>
        Date is { } text && DateOnly.TryParseExact(text, s_dateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day
            : null;
}
