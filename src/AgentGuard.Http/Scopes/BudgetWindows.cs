using System.Globalization;

namespace AgentGuard.Http.Scopes;

/// <summary>Names the calendar window an instant falls in, in the budget's time zone: the window part of pool keys.</summary>
internal static class BudgetWindows
{
    public static string? Name(BudgetWindow window, DateTimeOffset now, TimeZoneInfo zone)
    {
        if (window == BudgetWindow.None)
        {
            return null;
        }

        var local = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        return window switch
        {
            BudgetWindow.Daily => local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            BudgetWindow.Weekly => string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(local):D4}-W{ISOWeek.GetWeekOfYear(local):D2}"),
            BudgetWindow.Monthly => local.ToString("yyyy-MM", CultureInfo.InvariantCulture),
            _ => throw new ArgumentOutOfRangeException(nameof(window), window, "Unknown budget window."),
        };
    }

    /// <summary>The time zone of an IANA or Windows id; UTC when none is given.</summary>
    public static TimeZoneInfo Zone(string? id) => string.IsNullOrEmpty(id) ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(id);
}
