using System.Net;
using AgentGuard.Http.Estimation;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Requests;
using AgentGuard.Http.Settlement;
using AgentGuard.Http.Telemetry;
using Microsoft.Extensions.Logging;

namespace AgentGuard.Http;

/// <summary>
/// Enforces a hard USD budget on the OpenAI calls that pass through an <see cref="HttpClient"/>.
/// <para>
/// For every POST to a path ending in <c>/chat/completions</c> it computes an upper bound of what the call can be
/// billed, reserves it atomically from the budget, and refuses the call before it is sent when the budget cannot
/// cover it. The reservation is settled exactly once: from the response's <c>usage</c>, released when the call was
/// certainly not billed, or charged in full when the outcome is unknown. Streams are observed as the caller reads
/// them, never buffered. Other requests pass through untouched.
/// </para>
/// <para>Both <see cref="SendAsync"/> and <see cref="Send"/> are guarded and behave identically.</para>
/// </summary>
public sealed class BudgetGuardHandler : DelegatingHandler
{
    private readonly BudgetedSession _session;
    private readonly GuardPolicy _policy;

    /// <summary>Creates a handler that draws from <paramref name="session"/> with the per-client settings of <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public BudgetGuardHandler(BudgetedSession session, AgentGuardOptions options)
        : this(session, CompilePolicy(options))
    {
    }

    internal BudgetGuardHandler(BudgetedSession session, GuardPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(session);
        _session = session;
        _policy = policy;
    }

    /// <summary>The budget this handler draws from.</summary>
    public BudgetedSession Session => _session;

    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        IsGuarded(request) ? SendGuardedAsync(request, async: true, cancellationToken).AsTask() : base.SendAsync(request, cancellationToken);

    /// <inheritdoc />
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!IsGuarded(request))
        {
            return base.Send(request, cancellationToken);
        }

        return SyncPath.Complete(SendGuardedAsync(request, async: false, cancellationToken));
    }

    private static bool IsGuarded(HttpRequestMessage request) =>
        request.Method == HttpMethod.Post
        && request.RequestUri is { } uri
        && (uri.IsAbsoluteUri ? uri.AbsolutePath : uri.OriginalString.Split('?', 2)[0]).EndsWith("/chat/completions", StringComparison.OrdinalIgnoreCase);

    private async ValueTask<HttpResponseMessage> SendGuardedAsync(HttpRequestMessage request, bool async, CancellationToken cancellationToken)
    {
        // Read once into a pooled buffer that becomes the content sent: the bytes bounded are the bytes sent.
        using var body = await PooledRequestBody.ReadAsync(request.Content, async, cancellationToken).ConfigureAwait(false);
        var admission = await AdmitAsync(request, body.Bytes, async, cancellationToken).ConfigureAwait(false);
        if (admission.Refusal is { } refusal)
        {
            return refusal;
        }

        if (admission.Request?.NeedsUsageInjected == true && admission.Reservation is not null)
        {
            StreamUsageInjection.AddIncludeUsage(body, admission.Request);
        }

        request.Content = body.ToContent(request.Content);
        var reservation = admission.Reservation;
        if (reservation is null)
        {
            return async ? await base.SendAsync(request, cancellationToken).ConfigureAwait(false) : base.Send(request, cancellationToken);
        }

        HttpResponseMessage response;
        bool cancelledBeforeSend = cancellationToken.IsCancellationRequested;
        try
        {
            response = async ? await base.SendAsync(request, cancellationToken).ConfigureAwait(false) : base.Send(request, cancellationToken);
        }
        catch (Exception ex)
        {
            await (FailureRules.CertainlyNotSent(ex, cancelledBeforeSend)
                ? reservation.ReleaseAsync($"the request failed before it was sent ({ex.GetType().Name})", async)
                : reservation.ChargeInFullAsync($"the call failed after it was sent ({ex.GetType().Name}), so it may have been billed", async)).ConfigureAwait(false);
            throw;
        }

        try
        {
            return await ResponseSettlement.ObserveAsync(response, reservation, stripUsageChunk: admission.Request!.NeedsUsageInjected, async, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await reservation.ChargeInFullAsync("the response could not be read to its end, so the call may have been billed", async).ConfigureAwait(false);
            response.Dispose();
            throw;
        }
    }

    /// <summary>Reads, prices and reserves the call; or refuses it.</summary>
    private async ValueTask<Admission> AdmitAsync(HttpRequestMessage httpRequest, ArraySegment<byte> body, bool async, CancellationToken cancellationToken)
    {
        var scope = ScopeOf(httpRequest);
        ChatCompletionRequest request;
        PricedModel priced;
        ServiceTier tier;
        try
        {
            request = ChatCompletionRequestReader.Read(body);
            priced = _policy.Prices.TryResolve(request.Model, out var found) ? found : throw new UnknownModelPriceException(request.Model);
            tier = ServiceTierNames.ForRequest(request.ServiceTier, _policy.DefaultTier, request.Model);
        }
        catch (AgentGuardException ex) when (ex is UnboundedRequestException or UnknownModelPriceException)
        {
            return Unbounded(ex, scope);
        }

        // The byte bound costs nothing to compute; the tokenizer tightens it only when the budget is too tight for it.
        var pools = _session.PoolsFor(scope);
        var bound = ChatCostEstimator.ByBytes(request, priced, tier);
        string leaseId = Guid.NewGuid().ToString("N");
        ReservationResult result;
        try
        {
            result = await ReserveAsync(leaseId, pools, bound.Micros, request.Model, countRefusal: false, async, cancellationToken).ConfigureAwait(false);
            if (!result.Granted)
            {
                if (ChatCostEstimator.ByTokenizer(body, request, priced, tier) is { } exact && exact.Micros < bound.Micros)
                {
                    bound = exact;
                }

                result = await ReserveAsync(leaseId, pools, bound.Micros, request.Model, countRefusal: true, async, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (BudgetLedgerUnavailableException ex)
        {
            if (_policy.FailOpen)
            {
                Log.FailedOpen(_session.Logger, ex, _session.Name, request.Model);
                return new Admission(request, null, null);
            }

            _session.RecordRefused(scope, request.Model, "ledger_unavailable");
            Log.RequestRefused(_session.Logger, _session.Name, ex.Message);
            throw;
        }

        if (!result.Granted)
        {
            return new Admission(request, null, Refuse(httpRequest, scope, request.Model, bound.Micros, result.Pool));
        }

        _session.RecordAdmitted(scope, request.Model, bound.Micros);
        if (_session.Logger.IsEnabled(LogLevel.Debug))
        {
            Log.Reserved(_session.Logger, _session.Name, Micros.ToUsd(bound.Micros), request.Model, leaseId, bound.InputTokens, bound.OutputTokens, tier, bound.FromTokenizer);
            if (request.NeedsUsageInjected)
            {
                Log.UsageInjected(_session.Logger, _session.Name, request.Model);
            }
        }

        return new Admission(request, new CallReservation(_session, scope, request.Model, priced, tier, leaseId, bound.Micros, _policy.LeaseDuration), null);
    }

    /// <summary>The call's scope: carried by the request, else chosen by the app's selector, else the ambient scope.</summary>
    private BudgetScope? ScopeOf(HttpRequestMessage request) =>
        request.Options.TryGetValue(BudgetScope.RequestOptionKey, out var carried) ? carried
        : _policy.ScopeSelector?.SelectScope(request) ?? BudgetScope.Current;

    private ValueTask<ReservationResult> ReserveAsync(string leaseId, BudgetPool[] pools, long micros, string model, bool countRefusal, bool async, CancellationToken cancellationToken)
    {
        var reservation = new ReservationRequest(leaseId, pools, micros, _policy.LeaseDuration) { Model = model, CountRefusal = countRefusal };
        return async ? _session.Ledger.ReserveAsync(reservation, cancellationToken) : ValueTask.FromResult(_session.Ledger.Reserve(reservation));
    }

    private Admission Unbounded(AgentGuardException refusal, BudgetScope? scope)
    {
        string model = (refusal as UnknownModelPriceException)?.Model ?? "unknown";
        if (!_policy.AllowUnboundedRequests)
        {
            _session.RecordRefused(scope, model, refusal is UnknownModelPriceException ? "unknown_price" : "unbounded");
            Log.RequestRefused(_session.Logger, _session.Name, refusal.Message);
            throw refusal;
        }

        Log.UnboundedRequestForwarded(_session.Logger, _session.Name, refusal.Message);
        return new Admission(null, null, null);
    }

    private HttpResponseMessage Refuse(HttpRequestMessage request, BudgetScope? scope, string model, long requiredMicros, BudgetPoolState pool)
    {
        var (poolScope, window) = BudgetDefinition.Describe(pool.Key);
        var exception = new BudgetExceededException(_session.Name, Micros.ToUsd(pool.LimitMicros), Micros.ToUsd(pool.SpentMicros),
            Micros.ToUsd(pool.ReservedMicros), Micros.ToUsd(requiredMicros), model, poolScope, window);
        _session.RecordRefused(scope, model, "budget_exceeded");
        Log.BudgetExceeded(_session.Logger, _session.Name, model, exception.RequiredUsd, exception.RemainingUsd);
        if (_policy.OnBudgetExceeded is { } onBudgetExceeded)
        {
            _session.Invoke(onBudgetExceeded, exception, nameof(AgentGuardOptions.OnBudgetExceeded));
        }

        return _policy.RefusalMode == BudgetRefusalMode.PaymentRequiredResponse
            ? PaymentRequired.Create(request, exception)
            : throw exception;
    }

    private static GuardPolicy CompilePolicy(AgentGuardOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        AgentGuardOptionsValidator.ThrowIfInvalid(options);
        return GuardPolicy.From(options);
    }

    private readonly record struct Admission(ChatCompletionRequest? Request, CallReservation? Reservation, HttpResponseMessage? Refusal);
}
