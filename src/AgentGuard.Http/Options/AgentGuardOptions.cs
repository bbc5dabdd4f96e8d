namespace AgentGuard.Http;

/// <summary>
/// The settings of a guarded client. Budget-level settings (<see cref="BudgetUsd"/>, <see cref="WarningThresholds"/>)
/// must agree between clients that share a <see cref="BudgetName"/>; the others apply to each client.
/// </summary>
public sealed class AgentGuardOptions
{
    /// <summary>The default of <see cref="MaxRequestBodyBytes"/>: 32 MiB.</summary>
    public const int DefaultMaxRequestBodyBytes = 32 * 1024 * 1024;

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
    /// instead of refusing them. They are neither reserved nor counted (the guard could not read or price them). This breaks the
    /// guarantee that the budget is never exceeded. Default: <see langword="false"/>.
    /// </summary>
    public bool AllowUnboundedRequests { get; set; }

    /// <summary>
    /// The largest request body, in bytes, that the guard reads to bound a call: it buffers the whole body, so this limits
    /// the memory and the time one call can take before it is sent. A larger body is refused with an
    /// <see cref="UnboundedRequestException"/> (<see cref="UnboundedRequestReason.BodyTooLarge"/>) before it is parsed:
    /// without being read when its <c>Content-Length</c> says so, else as soon as the bytes read pass the limit.
    /// <see cref="AllowUnboundedRequests"/> does not forward it. Between 1 and <see cref="Array.MaxLength"/>.
    /// Default: <see cref="DefaultMaxRequestBodyBytes"/> (32 MiB), which holds an inline image of 20 MB (OpenAI's limit per
    /// image, about 27 MB as base64 in a data URL) with room for the text, while text alone would pass any model's context
    /// window long before it; raise it for requests that inline more image data.
    /// </summary>
    public int MaxRequestBodyBytes { get; set; } = DefaultMaxRequestBodyBytes;

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

    /// <summary>
    /// The provider every request of this client is sent to (a name in <see cref="AgentGuardProviders"/>), for a proxy or
    /// gateway whose host and paths do not say it. Default: <see langword="null"/> (each request's provider is chosen by
    /// its host where the host is a provider's, else by the shape of its path: <c>/openai/deployments/...</c> is Azure
    /// OpenAI, anything else OpenAI). A request can name its own with <see cref="AgentGuardProviders.RequestOptionKey"/>.
    /// </summary>
    public string? Provider { get; set; }

    /// <summary>
    /// Multiplies every price for this client's calls: regional data residency endpoints bill x1.1 on newer models, and
    /// providers in front of OpenAI may bill otherwise. Applies to reservations and to settled costs. Default: 1.
    /// </summary>
    public decimal PriceMultiplier { get; set; } = 1m;

    /// <summary>
    /// Azure OpenAI deployments by name, with the model each one runs. On Azure paths (<c>/openai/deployments/{name}/...</c>
    /// and <c>/openai/v1/...</c>, where the body's <c>model</c> is the deployment) a call to a deployment missing here is
    /// refused: its price cannot be known from its name.
    /// </summary>
    public IDictionary<string, AzureDeployment> AzureDeployments { get; set; } = new Dictionary<string, AzureDeployment>(StringComparer.Ordinal);

    /// <summary>
    /// Endpoints that can cost money the guard cannot bound (for example <c>images</c>, <c>audio/speech</c>, <c>batches</c>,
    /// <c>realtime</c>, <c>fine_tuning</c>, <c>vector_stores</c>) that this client may call anyway, by the path below the API
    /// root with ids as <c>{id}</c>; a name allows itself and every path below it. A name prefixed with a provider
    /// (<c>openai:images</c>, see <see cref="AgentGuardProviders"/>) allows it on that provider only; unprefixed, on any.
    /// Their calls are forwarded unreserved and uncounted: nothing limits what they spend. Default: none (they are refused
    /// with <see cref="UnboundedRequestException"/>).
    /// </summary>
    public IList<string> AllowedUnboundedEndpoints { get; set; } = [];

    /// <summary>
    /// The output cap written into requests that set none (<c>max_completion_tokens</c>, <c>max_output_tokens</c>), so that
    /// their reservations are sized by it instead of by the model's maximum output. Default: <see langword="null"/> (requests
    /// are forwarded as they are and reserved for the model's maximum).
    /// </summary>
    public int? DefaultMaxOutputTokens { get; set; }

    /// <summary>
    /// Fit-to-budget: when a call's worst case does not fit the remaining budget but a smaller output cap would, lower the
    /// request's output cap (<c>max_completion_tokens</c>, <c>max_output_tokens</c>, each provider's own field) so that the
    /// call takes its share of what remains: the remaining budget divided by the calls this process has in flight in the
    /// budget plus one, and never less than <see cref="MinClampedOutputTokens"/>. A request whose worst case fits is never
    /// rewritten; each rewrite is logged at Information (<c>OutputCapFitted</c>). The response may then end early with
    /// <c>finish_reason: "length"</c>. Default: <see langword="true"/>, so that plain calls without an output cap fit; set
    /// <see langword="false"/> to refuse every call whose worst case does not fit (the strict behaviour).
    /// </summary>
    public bool ClampOutputToBudget { get; set; } = true;

    /// <summary>The smallest output cap <see cref="ClampOutputToBudget"/> lowers a request to; below it the call is refused. Default: 256.</summary>
    public int MinClampedOutputTokens { get; set; } = 256;

    /// <summary>
    /// Fees in USD per call of the Responses API's hosted tools, by tool type (<c>web_search</c>, <c>file_search</c>,
    /// <c>code_interpreter</c>, ...). They change often and differ by model, so none are built in: a request that offers a
    /// hosted tool without a fee here is refused.
    /// </summary>
    public IDictionary<string, decimal> HostedToolFees { get; set; } = new Dictionary<string, decimal>(StringComparer.Ordinal);

    /// <summary>
    /// Refuse Responses requests that offer hosted tools without <c>max_tool_calls</c>: each tool call can add a context
    /// window of input, so without a limit the cost has no bound. Default: <see langword="true"/>; when
    /// <see langword="false"/>, such requests are bounded as if they had <see cref="AssumedMaxToolCalls"/>.
    /// </summary>
    public bool RequireMaxToolCalls { get; set; } = true;

    /// <summary>The number of hosted tool calls assumed for requests without <c>max_tool_calls</c> when <see cref="RequireMaxToolCalls"/> is off. Default: 10.</summary>
    public int AssumedMaxToolCalls { get; set; } = 10;

    /// <summary>
    /// How long the reservation of a background Responses call (<c>background: true</c>) holds while the guard waits for a
    /// <c>GET /responses/{id}</c> that shows its outcome; then it is charged in full. Default: 1 hour.
    /// </summary>
    public TimeSpan BackgroundLeaseDuration { get; set; } = TimeSpan.FromHours(1);
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
