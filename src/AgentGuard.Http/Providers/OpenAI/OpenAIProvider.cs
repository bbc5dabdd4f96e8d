using System.Net;
using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// OpenAI's API (api.openai.com, its regional hosts, and any server that speaks it): the API root is the last <c>/v1/</c>
/// in the path; a path without one (a proxy's own prefix) is matched by its end. Unknown hosts whose paths no other
/// provider claims are served as this API, so that no endpoint of it walks around the budget.
/// </summary>
internal class OpenAIProvider : LlmProvider
{
    private const string V1 = "/v1/";

    public override string Name => AgentGuardProviders.OpenAI;

    public override string DisplayName => "OpenAI";

    /// <summary>api.openai.com and the data residency hosts below it (eu.api.openai.com).</summary>
    public override bool OwnsHost(string host) =>
        host.Equals("api.openai.com", StringComparison.Ordinal) || host.EndsWith(".api.openai.com", StringComparison.Ordinal);

    /// <summary>Any path: the OpenAI API is the one every unknown host is taken to speak.</summary>
    public override bool ClaimsPath(in RequestTarget target) => true;

    public override ProviderRoute Route(in RequestTarget target)
    {
        string path = target.Path;
        int at = path.LastIndexOf(V1, StringComparison.OrdinalIgnoreCase);
        string relative = at >= 0 ? path[(at + V1.Length)..].Trim('/') : path.Trim('/');
        return OpenAIRoutes.Route(this, target.IsPost, relative, deployment: null);
    }

    public override ServiceTier TierOf(GuardedRequest request, ServiceTier configuredDefault, string model) =>
        ServiceTierNames.ForRequest(request.ServiceTier, configuredDefault, model);

    public override ServiceTier BilledTier(string? reported, ServiceTier reserved) => ServiceTierNames.ForResponse(reported, reserved);

    /// <summary>
    /// 408, 502 and 504 say nothing about whether generation ran; other 4xx are rejections; 429 and 5xx are rejections only
    /// when OpenAI itself answered (its error body).
    /// </summary>
    public override StatusVerdict Judge(HttpStatusCode status) => (int)status switch
    {
        408 or 502 or 504 => StatusVerdict.Unknown,
        429 => StatusVerdict.NotBilledIfProviderError,
        >= 400 and < 500 => StatusVerdict.NotBilled,
        >= 500 => StatusVerdict.NotBilledIfProviderError,
        _ => StatusVerdict.Unknown,
    };

    public override bool IsOwnErrorBody(ReadOnlySpan<byte> body) => OpenAIErrorBody.Is(body);

    public override HttpResponseMessage CreatePaymentRequired(HttpRequestMessage request, AgentGuardException refusal, string code) =>
        OpenAIPaymentRequired.Create(request, refusal, code);

    /// <summary>OpenAI answers a spent quota with 429 <c>insufficient_quota</c>, and spend limits with 400 or 429.</summary>
    public override bool MaySignalSpendLimit(HttpStatusCode status) => status is HttpStatusCode.TooManyRequests or HttpStatusCode.BadRequest;

    public override (string Code, string? Message)? SpendLimit(ReadOnlySpan<byte> errorBody) => OpenAIErrorBody.SpendLimit(errorBody);

    /// <summary><c>GET responses/{id}</c> may show the outcome of a background response this budget waits for.</summary>
    public override ValueTask<HttpResponseMessage> ObserveRetrievalAsync(BudgetedSession session, ProviderRoute route, HttpResponseMessage response, bool async, CancellationToken cancellationToken) =>
        BackgroundResponses.ObserveRetrievalAsync(session, route.ResponseId!, response, async, cancellationToken);
}
