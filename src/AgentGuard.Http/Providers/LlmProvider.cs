using System.Net;
using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Providers;

/// <summary>
/// One LLM provider's API as the guard sees it: which requests are its own (by host, or by the shape of their path), which
/// of its endpoints are guarded, free or refused, which model a call is priced as, what its error answers prove about
/// billing, and how it answers a refusal so that its SDKs surface it. Its operations (<see cref="LlmOperation"/>) read
/// and bound the requests and read the usage. Stateless and shared by every client; the built-in providers are listed in
/// <see cref="LlmProviders"/>.
/// </summary>
internal abstract class LlmProvider
{
    /// <summary>
    /// The provider's name: the value of <c>gen_ai.provider.name</c> (OpenTelemetry's semantic conventions), the prefix of its
    /// endpoint names in <see cref="AgentGuardOptions.AllowedUnboundedEndpoints"/>, and what <see cref="AgentGuardOptions.Provider"/> names.
    /// </summary>
    public abstract string Name { get; }

    /// <summary>How the provider is named in messages (<c>OpenAI</c>).</summary>
    public abstract string DisplayName { get; }

    /// <summary>Whether requests to <paramref name="host"/> (lower case) are this provider's, whatever their path.</summary>
    public abstract bool OwnsHost(string host);

    /// <summary>Whether a request to a host no provider owns is this provider's, by the shape of its path.</summary>
    public abstract bool ClaimsPath(in RequestTarget target);

    /// <summary>Routes a request that is this provider's (by host, by path, or because the client names the provider).</summary>
    public abstract ProviderRoute Route(in RequestTarget target);

    /// <summary>The model a call is priced as, and the multiplier of its prices: the body's model unless the provider maps it.</summary>
    /// <exception cref="UnboundedRequestException">The model or deployment cannot be priced.</exception>
    public virtual (string Model, decimal PriceMultiplier) ResolveModel(in ProviderRoute route, GuardedRequest request, GuardPolicy policy) => (request.Model, 1m);

    /// <summary>Whether the guard may ask a stream that does not carry usage for it (OpenAI's <c>stream_options.include_usage</c>).</summary>
    public virtual bool InjectsStreamUsage => true;

    /// <summary>The tier a request bills at: the tier it names, else the configured default.</summary>
    /// <exception cref="UnknownModelPriceException">The request names a tier without a price.</exception>
    public abstract ServiceTier TierOf(GuardedRequest request, ServiceTier configuredDefault, string model);

    /// <summary>The tier a response says it billed at, given the tier it was reserved at.</summary>
    public abstract ServiceTier BilledTier(string? reported, ServiceTier reserved);

    /// <summary>What a non-success status proves about billing.</summary>
    public abstract StatusVerdict Judge(HttpStatusCode status);

    /// <summary>Whether an error body is the provider's own: proof that the provider answered, not a proxy or gateway in front.</summary>
    public abstract bool IsOwnErrorBody(ReadOnlySpan<byte> body);

    /// <summary>
    /// The synthetic 402 of <see cref="BudgetRefusalMode.PaymentRequiredResponse"/>, in the provider's error shape, with
    /// <paramref name="code"/> as its error code, marked for SDKs not to retry.
    /// </summary>
    public abstract HttpResponseMessage CreatePaymentRequired(HttpRequestMessage request, AgentGuardException refusal, string code);

    /// <summary>
    /// Whether an error answer says the account's own spend limit or quota is reached (a refusal retrying cannot help):
    /// the code and message, or <see langword="null"/>. Asked only of the statuses <see cref="MaySignalSpendLimit"/> names.
    /// </summary>
    public virtual (string Code, string? Message)? SpendLimit(ReadOnlySpan<byte> errorBody) => null;

    /// <summary>Whether an answer with this status may say that the account's spend limit is reached (its body is then read).</summary>
    public virtual bool MaySignalSpendLimit(HttpStatusCode status) => false;

    /// <summary>Reads the answer of a <see cref="RouteAction.RetrieveResponse"/> route, which may settle a reservation this budget holds.</summary>
    public virtual ValueTask<HttpResponseMessage> ObserveRetrievalAsync(BudgetedSession session, ProviderRoute route, HttpResponseMessage response, bool async, CancellationToken cancellationToken) =>
        ValueTask.FromResult(response);

    /// <inheritdoc />
    public override string ToString() => Name;
}
