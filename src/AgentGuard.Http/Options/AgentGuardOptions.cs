namespace AgentGuard.Http;

/// <summary>
/// The settings of a guarded client. Budget-level settings (<see cref="BudgetUsd"/>, <see cref="WarningThresholds"/>)
/// must agree between clients that share a <see cref="BudgetName"/>; the others apply to each client.
/// </summary>
public sealed class AgentGuardOptions
{
    /// <summary>The default warning thresholds, in percent of the budget.</summary>
    public static IReadOnlyList<decimal> DefaultWarningThresholds { get; } = [30m, 80m, 95m];

    /// <summary>The hard limit in USD. Required; greater than zero.</summary>
    public decimal BudgetUsd { get; set; }

    /// <summary>
    /// The budget this client draws from. Clients naming the same budget share one pool. Defaults to the
    /// HttpClient's name, or <c>"default"</c> for the unnamed client.
    /// </summary>
    public string? BudgetName { get; set; }

    /// <summary>Percentages of the budget at which <see cref="OnWarning"/> fires, each once until the budget is reset. Default 30, 80, 95.</summary>
    public IList<decimal> WarningThresholds { get; set; } = [.. DefaultWarningThresholds];

    /// <summary>
    /// Called when settled spend crosses a warning threshold: after the ledger update, outside locks, possibly
    /// concurrently and on any thread (even inside a stream read). Exceptions it throws are logged and ignored.
    /// </summary>
    public Action<BudgetWarning>? OnWarning { get; set; }

    /// <summary>
    /// Called when a call is refused because the budget cannot cover it, before the refusal is reported.
    /// A notification only: it never turns a refusal into a success. Exceptions it throws are logged and ignored.
    /// </summary>
    public Action<BudgetExceededException>? OnBudgetExceeded { get; set; }

    /// <summary>How a call refused for budget is reported to the caller. Default: <see cref="BudgetRefusalMode.Throw"/>.</summary>
    public BudgetRefusalMode RefusalMode { get; set; } = BudgetRefusalMode.Throw;

    /// <summary>
    /// The tier assumed for requests that name none (or say <c>auto</c>): the project's default tier.
    /// <see cref="ServiceTier.Batch"/> states that the calls bill at batch rates. Default: <see cref="ServiceTier.Standard"/>.
    /// </summary>
    public ServiceTier ServiceTier { get; set; } = ServiceTier.Standard;

    /// <summary>
    /// How long a reservation holds without being settled before it is charged in full. Streams extend it while
    /// they are read. Default: 10 minutes.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Prices that replace or add to the embedded table, keyed by model name (a dated snapshot resolves to its family).</summary>
    public IDictionary<string, ModelPrice> Prices { get; set; } = new Dictionary<string, ModelPrice>(StringComparer.Ordinal);

    /// <summary>A JSON prices file in the embedded table's format, applied before <see cref="Prices"/>.</summary>
    public string? PricesFile { get; set; }

    /// <summary>
    /// Forward requests whose cost cannot be bounded (unreadable bodies, unsupported content) without a reservation
    /// instead of refusing them. Their actual cost is still recorded when the response reports usage. This breaks the
    /// guarantee that the budget is never exceeded. Default: <see langword="false"/>.
    /// </summary>
    public bool AllowUnboundedRequests { get; set; }

    /// <summary>
    /// Forward calls without a reservation when the ledger's store cannot be reached, instead of refusing them with
    /// <see cref="BudgetLedgerUnavailableException"/>. Every such call is logged at Critical: while the store is down,
    /// nothing limits the spend. Default: <see langword="false"/> (fail closed).
    /// </summary>
    public bool FailOpen { get; set; }

    /// <summary>The calendar window the budget resets in (the limit applies per window). Budget-level. Default: <see cref="BudgetWindow.None"/>.</summary>
    public BudgetWindow Window { get; set; }

    /// <summary>The time zone windows follow (an IANA id such as <c>Europe/Paris</c>). Budget-level. Default: UTC.</summary>
    public string? TimeZone { get; set; }

    /// <summary>
    /// Limits per scope level (for example <c>"tenant"</c>): a call in a scope reserves from the budget and from each
    /// limited level of its scope, all or nothing. Budget-level. Default: none.
    /// </summary>
    public IDictionary<string, ScopeLimit> ScopeLimits { get; set; } = new Dictionary<string, ScopeLimit>(StringComparer.Ordinal);
}

/// <summary>How a call refused for budget is reported.</summary>
public enum BudgetRefusalMode
{
    /// <summary>The call throws <see cref="BudgetExceededException"/> (SDKs pass it to the caller unwrapped).</summary>
    Throw = 0,

    /// <summary>
    /// The call is answered with a synthetic HTTP 402 carrying an OpenAI-style error body with code
    /// <c>budget_exceeded</c>, for callers that read HTTP statuses. SDKs surface it as their API error and do not retry it.
    /// </summary>
    PaymentRequiredResponse = 1,
}
