using System.Globalization;

namespace AgentGuard.Cli.Reports;

/// <summary>
/// Reads <c>--since</c> and <c>--until</c>: a date (<c>2026-11-01</c>, midnight UTC; as <c>--until</c> it includes that
/// day), an ISO 8601 time (<c>2026-11-01T12:00:00Z</c>), or a span back from now (<c>7d</c>, <c>12h</c>, <c>30m</c>).
/// </summary>
internal static class ReportPeriod
{
    public static DateTimeOffset? Parse(string? text, string option, DateTimeOffset now, bool isEnd)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            var midnight = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return isEnd ? midnight.AddDays(1) : midnight;
        }

        if (text.Length >= 2 && char.IsAsciiLetter(text[^1])
            && int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int count))
        {
            TimeSpan? span = text[^1] switch
            {
                'd' => TimeSpan.FromDays(count),
                'h' => TimeSpan.FromHours(count),
                'm' => TimeSpan.FromMinutes(count),
                _ => null,
            };
            if (span is { } ago)
            {
                return now - ago;
            }
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        throw new CliException($"{option} must be a date (2026-11-01), an ISO 8601 time (2026-11-01T12:00:00Z) or a span back from now (7d, 12h, 30m), but it is '{text}'.");
    }
}
