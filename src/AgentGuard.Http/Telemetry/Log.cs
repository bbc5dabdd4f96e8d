using Microsoft.Extensions.Logging;

namespace AgentGuard.Http.Telemetry;

/// <summary>
/// The guard's log messages. They carry budgets, models, amounts and reasons, never prompts,
/// responses or headers.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning, "Budget '{BudgetName}' refused a call to {Model}: it may cost up to {RequiredUsd} USD and {RemainingUsd} USD remains. {Advice}", EventName = "BudgetExceeded")]
    public static partial void BudgetExceeded(ILogger logger, string budgetName, string model, decimal requiredUsd, decimal remainingUsd, string advice);

    [LoggerMessage(2, LogLevel.Warning, "Budget '{BudgetName}' refused a call: {Reason}", EventName = "RequestRefused")]
    public static partial void RequestRefused(ILogger logger, string budgetName, string reason);

    [LoggerMessage(3, LogLevel.Warning, "Budget '{BudgetName}' forwarded a call it cannot bound, without a reservation, because AllowUnboundedRequests is set: {Reason}", EventName = "UnboundedRequestForwarded")]
    public static partial void UnboundedRequestForwarded(ILogger logger, string budgetName, string reason);

    [LoggerMessage(4, LogLevel.Debug, "Budget '{BudgetName}' reserved {ReservedUsd} USD for a call to {Model} (lease {LeaseId}, {InputTokens} input and {OutputTokens} output tokens at most, tier {Tier}, tokenizer {FromTokenizer}).", EventName = "Reserved")]
    public static partial void Reserved(ILogger logger, string budgetName, decimal reservedUsd, string model, string leaseId, long inputTokens, long outputTokens, ServiceTier tier, bool fromTokenizer);

    [LoggerMessage(5, LogLevel.Debug, "Budget '{BudgetName}' settled lease {LeaseId} ({Model}): {Outcome}, {CostUsd} USD of {ReservedUsd} USD reserved, because {Reason}.", EventName = "Settled")]
    public static partial void Settled(ILogger logger, string budgetName, string leaseId, string model, string outcome, decimal costUsd, decimal reservedUsd, string reason);

    [LoggerMessage(6, LogLevel.Error, "Budget '{BudgetName}' recorded {CostUsd} USD for a call to {Model} that reserved only {ReservedUsd} USD (lease {LeaseId}): the bound was too small, and the budget may be exceeded by the difference.", EventName = "SettlementAboveReservation")]
    public static partial void SettlementAboveReservation(ILogger logger, string budgetName, string model, decimal costUsd, decimal reservedUsd, string leaseId);

    [LoggerMessage(7, LogLevel.Error, "The {Callback} callback of budget '{BudgetName}' threw; the call and the accounting are unaffected.", EventName = "CallbackFailed")]
    public static partial void CallbackFailed(ILogger logger, Exception exception, string callback, string budgetName);

    [LoggerMessage(8, LogLevel.Debug, "Budget '{BudgetName}' added stream_options.include_usage to a streaming call to {Model}; the usage chunk is removed from what the caller reads.", EventName = "UsageInjected")]
    public static partial void UsageInjected(ILogger logger, string budgetName, string model);

    [LoggerMessage(9, LogLevel.Warning, "Budget '{BudgetName}' could not extend lease {LeaseId}: it expired and was charged in full; the settlement will correct it.", EventName = "LeaseExtensionFailed")]
    public static partial void LeaseExtensionFailed(ILogger logger, string budgetName, string leaseId);

    [LoggerMessage(11, LogLevel.Error, "Budget '{BudgetName}' could not reach its ledger while settling lease {LeaseId}; the lease will expire and be charged in full.", EventName = "LedgerFailedDuringCall")]
    public static partial void LedgerFailedDuringCall(ILogger logger, Exception exception, string budgetName, string leaseId);

    [LoggerMessage(12, LogLevel.Critical, "Budget '{BudgetName}' forwarded a call to {Model} WITHOUT A RESERVATION because its ledger is unavailable and FailOpen is set: nothing limits the spend until the ledger is back.", EventName = "FailedOpen")]
    public static partial void FailedOpen(ILogger logger, Exception exception, string budgetName, string model);

    [LoggerMessage(10, LogLevel.Error, "Budget '{BudgetName}': the response to {Model} billed at tier {Tier}, which has no price; the call was charged at the reserved tier.", EventName = "UnpricedBilledTier")]
    public static partial void UnpricedBilledTier(ILogger logger, string budgetName, string model, ServiceTier tier);

    [LoggerMessage(13, LogLevel.Warning, "Budget '{BudgetName}' forwarded a call to {Endpoint} without a reservation, because AllowedUnboundedEndpoints allows it: nothing limits what it spends", EventName = "UnboundedEndpointForwarded")]
    public static partial void UnboundedEndpointForwarded(ILogger logger, string budgetName, string endpoint);

    [LoggerMessage(14, LogLevel.Debug, "Budget '{BudgetName}' set the output cap of a {Model} call to {OutputCap} tokens", EventName = "OutputCapSet")]
    public static partial void OutputCapSet(ILogger logger, string budgetName, string model, int outputCap);

    [LoggerMessage(17, LogLevel.Information, "Budget '{BudgetName}' charged lease {LeaseId} ({Model}) its whole reservation of {CostUsd} USD, because {Reason}.", EventName = "ChargedInFull")]
    public static partial void ChargedInFull(ILogger logger, string budgetName, string leaseId, string model, decimal costUsd, string reason);

    [LoggerMessage(16, LogLevel.Information, "Budget '{BudgetName}' lowered the output cap of a {Model} call to {OutputCap} tokens to fit it (fit-to-budget): {RemainingUsd} USD remains, shared with {CallsInFlight} calls in flight.", EventName = "OutputCapFitted")]
    public static partial void OutputCapFitted(ILogger logger, string budgetName, string model, int outputCap, decimal remainingUsd, int callsInFlight);

    [LoggerMessage(15, LogLevel.Error, "Budget '{BudgetName}' could not reach its ledger to raise its {Threshold}% warning; the settlement is recorded and a later one raises the warning.", EventName = "WarningClaimFailed")]
    public static partial void WarningClaimFailed(ILogger logger, Exception exception, string budgetName, decimal threshold);
}
