using Microsoft.Extensions.Logging;

namespace AgentGuard.Http.Telemetry;

/// <summary>The price table's log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(18, LogLevel.Warning, "The price table is {AgeDays} days old: {Origin} is dated {Date} and prices {Models} of its {TotalModels} models. Prices change: refresh them without a release with 'agentguard prices import' and AgentGuardOptions.PricesFile (docs/prices.md).", EventName = "PriceTableStale")]
    public static partial void PriceTableStale(ILogger logger, int ageDays, string origin, string date, int models, int totalModels);
}
