using System.Globalization;
using System.Net;
using System.Text;

namespace AgentGuard.Cli.Reports;

/// <summary>Inline SVG charts for the HTML report: no script, no fonts or images from anywhere.</summary>
internal static class Svg
{
    private const int Width = 760;
    private const int Height = 280;
    private const int Left = 84;
    private const int Right = 24;
    private const int Top = 16;
    private const int Bottom = 36;

    // Beyond this many points, only the last one is drawn as a marker: the line carries the rest.
    private const int MaxMarkers = 400;

    /// <summary>A step line of the budget's cumulative spend, the limit as a dashed line, and the last point marked.</summary>
    public static string Cumulative(BudgetTimeline timeline)
    {
        var points = timeline.Points;
        long start = points[0].Time.ToUnixTimeMilliseconds();
        long end = Math.Max(points[^1].Time.ToUnixTimeMilliseconds(), start + 1);
        long top = NiceCeiling(Math.Max(1, Math.Max(timeline.LimitMicros ?? 0, points.Max(p => p.CumulativeMicros))) * 21 / 20);
        double X(DateTimeOffset t) => Left + ((Width - Left - Right) * (double)(t.ToUnixTimeMilliseconds() - start) / (end - start));
        double Y(long micros) => Top + ((Height - Top - Bottom) * (1 - ((double)Math.Max(0, micros) / top)));

        var svg = Open($"cumulative spend of {timeline.Budget}");
        for (int i = 0; i <= 4; i++)
        {
            long tick = top * i / 4;
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{N(Y(tick))}\" y2=\"{N(Y(tick))}\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{Left - 6}\" y=\"{N(Y(tick) + 4)}\" text-anchor=\"end\">{E(Money.Usd(tick))}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{Left}\" y=\"{Height - 12}\">{E(Time(points[0].Time))}</text>")
            .Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{Width - Right}\" y=\"{Height - 12}\" text-anchor=\"end\">{E(Time(points[^1].Time))}</text>");

        if (timeline.LimitMicros is { } limit)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"limit\" data-usd=\"{Usd(limit)}\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{N(Y(limit))}\" y2=\"{N(Y(limit))}\"><title>budget {E(Money.Usd(limit))}</title></line>")
                .Append(CultureInfo.InvariantCulture, $"<text class=\"limit-label\" x=\"{Width - Right}\" y=\"{N(Y(limit) - 6)}\" text-anchor=\"end\">budget {E(Money.Usd(limit))}</text>");
        }

        // A step line: spend jumps when a call settles and stays flat until the next one.
        var line = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{N(X(points[0].Time))},{N(Y(0))}");
        long previous = 0;
        foreach (var point in points)
        {
            line.Append(CultureInfo.InvariantCulture, $" {N(X(point.Time))},{N(Y(previous))} {N(X(point.Time))},{N(Y(point.CumulativeMicros))}");
            previous = point.CumulativeMicros;
        }

        svg.Append(CultureInfo.InvariantCulture, $"<polyline class=\"cumulative\" points=\"{line}\"/>");
        for (int i = points.Count <= MaxMarkers ? 0 : points.Count - 1; i < points.Count; i++)
        {
            var point = points[i];
            string last = i == points.Count - 1 ? " last" : "";
            svg.Append(CultureInfo.InvariantCulture, $"<circle class=\"point{last}\" data-usd=\"{Usd(point.CumulativeMicros)}\" data-micros=\"{point.CumulativeMicros}\" cx=\"{N(X(point.Time))}\" cy=\"{N(Y(point.CumulativeMicros))}\" r=\"{(last.Length > 0 ? 4 : 2)}\">")
                .Append(CultureInfo.InvariantCulture, $"<title>{E(Time(point.Time))}: {E(Money.Usd(point.CumulativeMicros))}</title></circle>");
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>Horizontal bars, one per group, largest first, each labelled with its spend.</summary>
    public static string Bars(IReadOnlyList<SpendGroup> groups, string title)
    {
        const int Row = 28, LabelWidth = 220, ValueWidth = 110;
        int height = Math.Max(1, groups.Count) * Row;
        long max = Math.Max(1, groups.Max(g => g.SpentMicros));
        var svg = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{E(title)}\" viewBox=\"0 0 {Width} {height}\" width=\"{Width}\" height=\"{height}\">");
        for (int i = 0; i < groups.Count; i++)
        {
            var group = groups[i];
            double width = group.SpentMicros <= 0 ? 0 : Math.Max(1, (Width - LabelWidth - ValueWidth) * (double)group.SpentMicros / max);
            double y = (i * Row) + 4;
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"bar-row\"><text class=\"label\" x=\"{LabelWidth - 8}\" y=\"{N(y + 15)}\" text-anchor=\"end\">{E(Shorten(group.Key))}</text>")
                .Append(CultureInfo.InvariantCulture, $"<rect class=\"bar c{i % 8}\" data-key=\"{E(group.Key)}\" data-usd=\"{Usd(group.SpentMicros)}\" data-micros=\"{group.SpentMicros}\" x=\"{LabelWidth}\" y=\"{N(y)}\" width=\"{N(width)}\" height=\"{Row - 8}\" rx=\"3\">")
                .Append(CultureInfo.InvariantCulture, $"<title>{E(group.Key)}: {E(Money.Usd(group.SpentMicros))}, {group.Calls} calls</title></rect>")
                .Append(CultureInfo.InvariantCulture, $"<text class=\"value\" x=\"{N(LabelWidth + width + 6)}\" y=\"{N(y + 15)}\">{E(Money.Usd(group.SpentMicros))}</text></g>");
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>The smallest round amount at or above <paramref name="micros"/>, so that the axis' quarters are round too.</summary>
    private static long NiceCeiling(long micros)
    {
        double scale = Math.Pow(10, Math.Floor(Math.Log10(micros)));
        foreach (double step in (double[])[1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10])
        {
            if (step * scale >= micros)
            {
                return (long)Math.Ceiling(step * scale);
            }
        }

        return micros;
    }

    private static StringBuilder Open(string label) => new StringBuilder().Append(CultureInfo.InvariantCulture,
        $"<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{E(label)}\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\">");

    private static string Shorten(string key) => key.Length <= 32 ? key : key[..31] + "…";

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static string Usd(long micros) => Money.ToUsd(micros).ToString(CultureInfo.InvariantCulture);

    private static string N(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
