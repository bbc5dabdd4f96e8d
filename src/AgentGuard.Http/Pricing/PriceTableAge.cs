using AgentGuard.Http.Telemetry;
using Microsoft.Extensions.Logging;

namespace AgentGuard.Http.Pricing;

/// <summary>
/// How old a table's prices are: the age of the oldest dated layer that still prices a model (a refreshed prices file
/// that replaces every embedded model makes the embedded table's date irrelevant). Prices change; a table older than
/// <see cref="StaleAfterDays"/> is logged once, when the first guard that uses it is built.
/// </summary>
internal static class PriceTableAge
{
    public const int StaleAfterDays = 90;

    /// <summary>The oldest dated layer that prices at least one model, its age in days on <paramref name="today"/>, and how many models it prices.</summary>
    public static (PriceOrigin Origin, int Days, int Models)? Oldest(PriceTable table, DateOnly today)
    {
        (PriceOrigin Origin, int Days, int Models)? oldest = null;
        foreach (var group in table.Models.Keys.GroupBy(table.OriginOf))
        {
            if (group.Key.Day is { } day && (oldest is null || today.DayNumber - day.DayNumber > oldest.Value.Days))
            {
                oldest = (group.Key, today.DayNumber - day.DayNumber, group.Count());
            }
        }

        return oldest;
    }

    /// <summary>Logs a warning when the table is older than <see cref="StaleAfterDays"/>, once per table.</summary>
    public static void WarnIfStale(PriceTable table, TimeProvider time, ILogger logger)
    {
        if (!table.ClaimAgeCheck())
        {
            return;
        }

        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        if (Oldest(table, today) is { Days: > StaleAfterDays } stale)
        {
            Log.PriceTableStale(logger, stale.Days, stale.Origin.Name, stale.Origin.Date!, stale.Models, table.Models.Count);
        }
    }
}
