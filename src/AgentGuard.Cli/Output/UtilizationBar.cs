using System.Globalization;

namespace AgentGuard.Cli.Output;

/// <summary>A text bar of how much of a limit is used (spent and reserved), colored by the library's default warning thresholds.</summary>
internal static class UtilizationBar
{
    public static double Percent(long usedMicros, long limitMicros) =>
        limitMicros <= 0 ? 100 : Math.Round(100d * usedMicros / limitMicros, 1);

    /// <summary>Spectre markup: <c>[green]██████[/][grey]░░░░[/] 60.0%</c>.</summary>
    public static string Markup(double percent, int width = 20)
    {
        int filled = (int)Math.Clamp(Math.Round(percent / 100 * width), 0, width);
        string color = percent >= 95 ? "red" : percent >= 80 ? "yellow" : "green";
        return $"[{color}]{new string('█', filled)}[/][grey]{new string('░', width - filled)}[/] {percent.ToString("0.0", CultureInfo.InvariantCulture)}%";
    }
}
