using System.Globalization;
using System.Text;

namespace AgentGuard.Cli.Reports;

/// <summary>The report as CSV: one row per group, every dimension in one table (<c>dimension,key,calls,spent_usd,spent_micros</c>).</summary>
internal static class ReportCsv
{
    public static string Render(SpendReport report)
    {
        var csv = new StringBuilder("dimension,key,calls,spent_usd,spent_micros\n");
        Rows(csv, "total", [new SpendGroup("all", report.Calls, report.TotalMicros, report.TotalUsd)]);
        Rows(csv, "budget", report.ByBudget);
        Rows(csv, "scope", report.ByScope);
        Rows(csv, "provider", report.ByProvider);
        Rows(csv, "model", report.ByModel);
        Rows(csv, "day", report.ByDay);
        return csv.ToString();
    }

    private static void Rows(StringBuilder csv, string dimension, IEnumerable<SpendGroup> groups)
    {
        foreach (var group in groups)
        {
            csv.Append(dimension).Append(',')
                .Append(Field(group.Key)).Append(',')
                .Append(group.Calls.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(group.SpentUsd.ToString("0.000000", CultureInfo.InvariantCulture)).Append(',')
                .Append(group.SpentMicros.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }

    // RFC 4180: quote fields with separators, quotes or line breaks; and defuse spreadsheet formulas in names.
    private static string Field(string value)
    {
        string safe = value.Length > 0 && "=+-@".Contains(value[0], StringComparison.Ordinal) ? "'" + value : value;
        return safe.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + safe.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : safe;
    }
}
