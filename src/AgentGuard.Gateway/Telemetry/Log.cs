using Yarp.ReverseProxy.Forwarder;

namespace AgentGuard.Gateway.Telemetry;

/// <summary>The gateway's log events. None carries a key, a header or a prompt.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning, "The gateway refused a call to route '{Route}' from {RemoteAddress}: no gateway key, or an unknown one.", EventName = "UnknownGatewayKey")]
    public static partial void UnknownKey(ILogger logger, string route, string remoteAddress);

    [LoggerMessage(2, LogLevel.Warning, "The gateway could not complete a call of '{Client}' to route '{Route}': {Error}.", EventName = "ForwardFailed")]
    public static partial void ForwardFailed(ILogger logger, string route, string client, ForwarderError error, Exception? exception);

    [LoggerMessage(3, LogLevel.Information, "The AgentGuard gateway serves {Routes} on budget '{BudgetName}' ({Ledger} ledger).", EventName = "GatewayStarted")]
    public static partial void Started(ILogger logger, string routes, string budgetName, string ledger);
}
