using System.Text.Json;
using AgentGuard.Http.Estimation;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Providers;
using AgentGuard.Http.Requests;
using AgentGuard.Http.Settlement;
using AgentGuard.Http.Telemetry;
using Microsoft.Extensions.Logging;

namespace AgentGuard.Http;

/// <summary>
/// Enforces a hard USD budget on the LLM calls that pass through an <see cref="HttpClient"/>.
/// <para>
/// Each request is routed to its provider (<see cref="AgentGuardProviders"/>: by the client's
/// <see cref="AgentGuardOptions.Provider"/>, else by host and path). For every call to a guarded operation (OpenAI's and
/// Azure OpenAI's Chat Completions, Responses, Embeddings and legacy Completions) it computes an upper bound of what the call can be billed, reserves it atomically from the budget, and refuses the
/// call before it is sent when the budget cannot cover it. The reservation is settled exactly once: from the response's
/// <c>usage</c>, released when the call was certainly not billed, or charged in full when the outcome is unknown. Streams
/// are observed as the caller reads them, never buffered. Other POSTs that can cost money (images, audio, batches, ...)
/// are refused unless allowed by name; reads and free endpoints pass through untouched.
/// </para>
/// <para>Both <see cref="SendAsync"/> and <see cref="Send"/> are guarded and behave identically.</para>
/// </summary>
public sealed class BudgetGuardHandler : DelegatingHandler
{
    private readonly BudgetedSession _session;
    private readonly GuardPolicy _policy;

    // The client's prices and fees, with the budget's memory of the responses it has seen (previous_response_id).
    private readonly EstimationContext _estimation;

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
        _estimation = policy.Estimation with { ResponseTokens = session.ResponseTokens };
        PriceTableAge.WarnIfStale(policy.Prices, session.Time, session.Logger);
    }

    /// <summary>The budget this handler draws from.</summary>
    public BudgetedSession Session => _session;

    /// <inheritdoc />
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var route = _policy.Router.Route(request);
        return route.Action == RouteAction.PassThrough
            ? base.SendAsync(request, cancellationToken)
            : SendRoutedAsync(request, route, async: true, cancellationToken).AsTask();
    }

    /// <inheritdoc />
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var route = _policy.Router.Route(request);
        return route.Action == RouteAction.PassThrough
            ? base.Send(request, cancellationToken)
            : SyncPath.Complete(SendRoutedAsync(request, route, async: false, cancellationToken));
    }

    private ValueTask<HttpResponseMessage> SendRoutedAsync(HttpRequestMessage request, ProviderRoute route, bool async, CancellationToken cancellationToken) => route.Action switch
    {
        RouteAction.Guard => SendGuardedAsync(request, route, async, cancellationToken),
        RouteAction.RetrieveResponse => SendRetrievalAsync(request, route, async, cancellationToken),
        _ => SendUnboundedEndpointAsync(request, route, async, cancellationToken),
    };

    /// <summary>An endpoint that can cost money the guard cannot bound: forwarded only when allowed by name.</summary>
    private ValueTask<HttpResponseMessage> SendUnboundedEndpointAsync(HttpRequestMessage request, ProviderRoute route, bool async, CancellationToken cancellationToken)
    {
        var provider = route.Provider!;
        if (_policy.AllowsUnboundedEndpoint(provider, route.Name))
        {
            Log.UnboundedEndpointForwarded(_session.Logger, _session.Name, route.Name);
            return SendUnguardedAsync(request, async, cancellationToken);
        }

        var refusal = new UnboundedRequestException(UnboundedRequestReason.UnboundedEndpoint,
            $"POST {route.Name} ({provider.DisplayName}) can cost money that AgentGuard.Http cannot bound, so the call was not sent. If this client may spend on it " +
            $"without a limit, allow it by name: AgentGuardOptions.AllowedUnboundedEndpoints.Add(\"{provider.Name}:{route.Name}\").");
        _session.RecordRefused(ScopeOf(request), provider.Name, route.Name, "unbounded_endpoint");
        Log.RequestRefused(_session.Logger, _session.Name, refusal.Message);
        throw refusal;
    }

    /// <summary>A read the provider's answer to may settle a reservation this budget holds (OpenAI's <c>GET /responses/{id}</c>).</summary>
    private async ValueTask<HttpResponseMessage> SendRetrievalAsync(HttpRequestMessage request, ProviderRoute route, bool async, CancellationToken cancellationToken)
    {
        var response = await SendUnguardedAsync(request, async, cancellationToken).ConfigureAwait(false);
        return await route.Provider!.ObserveRetrievalAsync(_session, route, response, async, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<HttpResponseMessage> SendUnguardedAsync(HttpRequestMessage request, bool async, CancellationToken cancellationToken) =>
        async ? await base.SendAsync(request, cancellationToken).ConfigureAwait(false) : base.Send(request, cancellationToken);

    private async ValueTask<HttpResponseMessage> SendGuardedAsync(HttpRequestMessage request, ProviderRoute route, bool async, CancellationToken cancellationToken)
    {
        // An outer guard of this budget reserved for this call: this guard, nearer the network, sends and settles it.
        // When the outer guard's reservation was used by an earlier attempt, this attempt is a retry: it is reserved anew.
        var outer = GuardMarks.Nearest(request, _session);
        if (outer is not null && outer.TryTake())
        {
            return await SendReservedAsync(request, outer.Reservation, outer.Request, outer.StripUsageChunk, async, cancellationToken).ConfigureAwait(false);
        }

        // Read once into a pooled buffer that becomes the content sent: the bytes bounded are the bytes sent.
        using var body = await ReadBodyAsync(request, route, async, cancellationToken).ConfigureAwait(false);
        Admission admission;
        _session.AdmissionStarted();
        try
        {
            admission = await AdmitAsync(request, route, body.Bytes, async, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _session.AdmissionEnded();
        }

        if (admission.Refusal is { } refusal)
        {
            return refusal;
        }

        if (admission.Reservation is { } reserved)
        {
            try
            {
                var operation = admission.Request!.Operation;
                if (admission.OutputCap is { } cap)
                {
                    operation.WriteOutputCap(body, admission.Request, cap);
                }

                if (admission.InjectUsage)
                {
                    operation.RequestStreamUsage(body, admission.Request);
                    GuardMarks.MarkUsageRequested(request);
                }
            }
            catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
            {
                // The one-pass reader accepts what a DOM rewrite cannot (duplicate members): nothing was sent.
                await reserved.ReleaseAsync("the body could not be rewritten, so the call was not sent", async).ConfigureAwait(false);
                var unwritable = JsonRequestFields.Malformed(route.Operation!.DisplayName, $"the guard could not write its changes into the body ({ex.Message})", ex);
                _session.RecordRefused(ScopeOf(request), route.Provider!.Name, admission.Request!.Model, "unbounded");
                Log.RequestRefused(_session.Logger, _session.Name, unwritable.Message);
                throw unwritable;
            }
        }

        request.Content = body.ToContent(request.Content);
        if (admission.Reservation is not { } reservation)
        {
            return await SendUnguardedAsync(request, async, cancellationToken).ConfigureAwait(false);
        }

        // A retry of a request the guard asked for usage (here, or in an outer guard): the body asks for it, the caller did not.
        bool strip = admission.InjectUsage || GuardMarks.UsageWasRequested(request);
        return await SendReservedAsync(request, reservation, admission.Request!, strip, async, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a call whose reservation is held, and settles it; unless a guard of this budget nearer the network takes it over.</summary>
    private async ValueTask<HttpResponseMessage> SendReservedAsync(
        HttpRequestMessage request, CallReservation reservation, GuardedRequest guarded, bool stripUsageChunk, bool async, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        bool cancelledBeforeSend = cancellationToken.IsCancellationRequested;
        var handover = GuardMarks.Offer(request, _session, reservation, guarded, stripUsageChunk);
        try
        {
            response = async ? await base.SendAsync(request, cancellationToken).ConfigureAwait(false) : base.Send(request, cancellationToken);
        }
        catch (Exception ex)
        {
            if (handover.TryTake())
            {
                await (FailureRules.CertainlyNotSent(ex, cancelledBeforeSend)
                    ? reservation.ReleaseAsync($"the request failed before it was sent ({ex.GetType().Name})", async)
                    : reservation.ChargeInFullAsync($"the call failed after it was sent ({ex.GetType().Name}), so it may have been billed", async)).ConfigureAwait(false);
            }

            throw;
        }
        finally
        {
            // A retry handler outside this guard sends the same request again: that attempt is guarded on its own.
            GuardMarks.Withdraw(request, handover);
        }

        if (!handover.TryTake())
        {
            // A guard of this budget nearer the network settled this attempt (and reserved any retries itself).
            return response;
        }

        try
        {
            if (!response.IsSuccessStatusCode && reservation.Provider.MaySignalSpendLimit(response.StatusCode))
            {
                var error = await HttpContents.ReadAllAsync(response.Content, async, cancellationToken).ConfigureAwait(false);
                response.Content = HttpContents.Replace(response.Content, error);
                if (reservation.Provider.SpendLimit(error) is { } limit)
                {
                    return await RefuseSpendLimitAsync(request, response, reservation, limit.Code, limit.Message, async).ConfigureAwait(false);
                }
            }

            return await ResponseSettlement.ObserveAsync(response, reservation, guarded.Operation, stripUsageChunk, async, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await reservation.ChargeInFullAsync("the response could not be read to its end, so the call may have been billed", async).ConfigureAwait(false);
            response.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The provider refused the call for the account's own spend limit: not billed, so released; and surfaced as a refusal
    /// SDKs do not retry (they retry the 429 it came as, which cannot succeed until the limit is raised).
    /// </summary>
    private async ValueTask<HttpResponseMessage> RefuseSpendLimitAsync(
        HttpRequestMessage request, HttpResponseMessage response, CallReservation reservation, string code, string? message, bool async)
    {
        var provider = reservation.Provider;
        int status = (int)response.StatusCode;
        response.Dispose();
        await reservation.ReleaseAsync($"{provider.DisplayName} answered {code}: the account's spend limit is reached, so the call was not billed", async).ConfigureAwait(false);
        var refusal = new ProviderSpendLimitException(provider.Name, provider.DisplayName, status, code, message);
        Log.RequestRefused(_session.Logger, _session.Name, refusal.Message);
        return _policy.RefusalMode == BudgetRefusalMode.PaymentRequiredResponse
            ? provider.CreatePaymentRequired(request, refusal, code)
            : throw refusal;
    }

    /// <summary>Reads the body up to the client's limit: a larger one is refused, whatever AllowUnboundedRequests says.</summary>
    private async ValueTask<PooledRequestBody> ReadBodyAsync(HttpRequestMessage request, ProviderRoute route, bool async, CancellationToken cancellationToken)
    {
        try
        {
            return await PooledRequestBody.ReadAsync(request.Content, _policy.MaxRequestBodyBytes, route.Operation!.DisplayName, async, cancellationToken).ConfigureAwait(false);
        }
        catch (UnboundedRequestException refusal)
        {
            _session.RecordRefused(ScopeOf(request), route.Provider!.Name, "unknown", "unbounded");
            Log.RequestRefused(_session.Logger, _session.Name, refusal.Message);
            throw;
        }
    }

    /// <summary>Reads, prices and reserves the call; or refuses it.</summary>
    private async ValueTask<Admission> AdmitAsync(HttpRequestMessage httpRequest, ProviderRoute route, ArraySegment<byte> body, bool async, CancellationToken cancellationToken)
    {
        var scope = ScopeOf(httpRequest);
        var provider = route.Provider!;
        var operation = route.Operation!;
        GuardedRequest request;
        PricedModel priced;
        ServiceTier tier;
        EstimationContext context;
        string model;
        try
        {
            request = GuardedRequestReader.Read(operation, body, modelInPath: route.Deployment is not null);
            (model, decimal multiplier) = provider.ResolveModel(route, request, _policy);
            context = multiplier == 1m ? _estimation : _estimation with { PriceMultiplier = _estimation.PriceMultiplier * multiplier };
            priced = _policy.Prices.Resolve(model);
            tier = provider.TierOf(request, _policy.DefaultTier, model);
        }
        catch (AgentGuardException ex) when (ex is UnboundedRequestException or UnknownModelPriceException)
        {
            return Unbounded(ex, provider, scope);
        }

        // A cap the guard writes: the configured default for requests without one, or a lower one that fits the budget.
        int? outputCap = request.OutputCap is null && operation.HasOutputCap ? _policy.DefaultMaxOutputTokens : null;
        bool capChanged = outputCap is not null;
        bool clampedCap = false;

        // The byte bound costs nothing to compute; the tokenizer tightens it only when the budget is too tight for it.
        var pools = _session.PoolsFor(scope);
        var lease = request.RunsInBackground ? _policy.BackgroundLeaseDuration : _policy.LeaseDuration;
        CostBound bound;
        string leaseId = Guid.NewGuid().ToString("N");
        ReservationResult result;
        try
        {
            bound = operation.ByBytes(request, priced, tier, context, outputCap);
            result = await ReserveAsync(leaseId, pools, bound.Micros, lease, provider, model, countRefusal: false, async, cancellationToken).ConfigureAwait(false);
            if (!result.Granted)
            {
                // Linear in the body and cancellable: nothing is reserved while it counts.
                if (operation.ByTokenizer(body, request, priced, tier, context, outputCap, cancellationToken) is { } counted && counted.Micros < bound.Micros)
                {
                    bound = counted;
                }

                if (_policy.ClampOutputToBudget)
                {
                    // Up to one retry per pool that refuses: each refusal says how much that pool has left. The call takes
                    // its share of it, leaving as much to each call in flight or being admitted beside it (this one is
                    // among the latter), so that plain calls of many agents all fit instead of the first taking the rest.
                    for (int attempt = 0; attempt <= pools.Length && !result.Granted; attempt++)
                    {
                        long remaining = result.Pool.RemainingMicros;
                        long share = remaining / Math.Max(1L, _session.CallsInFlight + (long)_session.CallsAdmitting);
                        if (OutputClamp.Fit(bound, request, priced, tier, context, remaining, share, _policy.MinClampedOutputTokens, outputCap ?? request.OutputCap) is not { } clamped)
                        {
                            break;
                        }

                        (outputCap, bound) = (clamped.OutputCap, clamped.Bound);
                        capChanged = true;
                        clampedCap = true;
                        result = await ReserveAsync(leaseId, pools, bound.Micros, lease, provider, model, countRefusal: false, async, cancellationToken).ConfigureAwait(false);
                    }
                }

                if (!result.Granted)
                {
                    result = await ReserveAsync(leaseId, pools, bound.Micros, lease, provider, model, countRefusal: true, async, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (UnboundedRequestException ex)
        {
            return Unbounded(ex, provider, scope);
        }
        catch (UnknownModelPriceException ex)
        {
            return Unbounded(ex, provider, scope);
        }
        catch (BudgetLedgerUnavailableException ex)
        {
            if (_policy.FailOpen)
            {
                Log.FailedOpen(_session.Logger, ex, _session.Name, model);
                return new Admission(request, null, null, InjectUsage: false, OutputCap: null);
            }

            _session.RecordRefused(scope, provider.Name, model, "ledger_unavailable");
            Log.RequestRefused(_session.Logger, _session.Name, ex.Message);
            throw;
        }

        if (!result.Granted)
        {
            string advice = BoundExplanation.Describe(request, priced, bound, capChanged ? outputCap : null, _policy.ClampOutputToBudget, _policy.MinClampedOutputTokens);
            return new Admission(request, null, Refuse(httpRequest, provider, scope, model, bound.Micros, result.Pool, advice), false, null);
        }

        // A provider may reject the guard's request for usage on some requests (Azure: data_sources, images) without the
        // guard being able to tell which: its streams are never rewritten, and one that brings no usage is charged in full.
        bool injectUsage = request.NeedsUsageInjected && provider.InjectsStreamUsage;
        _session.RecordAdmitted(scope, provider.Name, model, bound.Micros);
        if (_session.Logger.IsEnabled(LogLevel.Debug))
        {
            Log.Reserved(_session.Logger, _session.Name, Micros.ToUsd(bound.Micros), model, leaseId, bound.InputTokens, bound.OutputTokens, tier, bound.FromTokenizer);
            if (injectUsage)
            {
                Log.UsageInjected(_session.Logger, _session.Name, model);
            }

            if (capChanged && !clampedCap)
            {
                Log.OutputCapSet(_session.Logger, _session.Name, model, outputCap!.Value);
            }
        }

        if (clampedCap)
        {
            Log.OutputCapFitted(_session.Logger, _session.Name, model, outputCap!.Value, Micros.ToUsd(result.Pool.RemainingMicros), _session.CallsInFlight);
        }

        var reservation = new CallReservation(_session, scope, model, priced, tier, leaseId, bound.Micros, lease, context, provider);
        return new Admission(request, reservation, null, injectUsage, capChanged ? outputCap : null);
    }

    /// <summary>The call's scope: carried by the request, else chosen by the app's selector, else the ambient scope.</summary>
    private BudgetScope? ScopeOf(HttpRequestMessage request) =>
        request.Options.TryGetValue(BudgetScope.RequestOptionKey, out var carried) ? carried
        : _policy.ScopeSelector?.SelectScope(request) ?? BudgetScope.Current;

    private ValueTask<ReservationResult> ReserveAsync(
        string leaseId, BudgetPool[] pools, long micros, TimeSpan lease, LlmProvider provider, string model, bool countRefusal, bool async, CancellationToken cancellationToken)
    {
        var reservation = new ReservationRequest(leaseId, pools, micros, lease) { Provider = provider.Name, Model = model, CountRefusal = countRefusal };
        return async ? _session.Ledger.ReserveAsync(reservation, cancellationToken) : ValueTask.FromResult(_session.Ledger.Reserve(reservation));
    }

    private Admission Unbounded(AgentGuardException refusal, LlmProvider provider, BudgetScope? scope)
    {
        string model = (refusal as UnknownModelPriceException)?.Model ?? "unknown";
        if (!_policy.AllowUnboundedRequests)
        {
            _session.RecordRefused(scope, provider.Name, model, refusal is UnknownModelPriceException ? "unknown_price" : "unbounded");
            Log.RequestRefused(_session.Logger, _session.Name, refusal.Message);
            throw refusal;
        }

        Log.UnboundedRequestForwarded(_session.Logger, _session.Name, refusal.Message);
        return new Admission(null, null, null, false, null);
    }

    private HttpResponseMessage Refuse(HttpRequestMessage request, LlmProvider provider, BudgetScope? scope, string model, long requiredMicros, BudgetPoolState pool, string advice)
    {
        var (poolScope, window) = BudgetDefinition.Describe(pool.Key);
        var exception = new BudgetExceededException(_session.Name, Micros.ToUsd(pool.LimitMicros), Micros.ToUsd(pool.SpentMicros),
            Micros.ToUsd(pool.ReservedMicros), Micros.ToUsd(requiredMicros), model, poolScope, window) { Advice = advice };
        _session.RecordRefused(scope, provider.Name, model, "budget_exceeded");
        Log.BudgetExceeded(_session.Logger, _session.Name, model, exception.RequiredUsd, exception.RemainingUsd, advice);
        if (_policy.OnBudgetExceeded is { } onBudgetExceeded)
        {
            _session.Invoke(onBudgetExceeded, exception, nameof(AgentGuardOptions.OnBudgetExceeded));
        }

        return _policy.RefusalMode == BudgetRefusalMode.PaymentRequiredResponse
            ? provider.CreatePaymentRequired(request, exception, BudgetExceededException.ErrorCode)
            : throw exception;
    }

    private static GuardPolicy CompilePolicy(AgentGuardOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        AgentGuardOptionsValidator.ThrowIfInvalid(options);
        return GuardPolicy.From(options);
    }

    /// <param name="Request">The request read (null when it could not be).</param>
    /// <param name="Reservation">The reservation (null when refused, or forwarded unreserved).</param>
    /// <param name="Refusal">The 402 response that answers a refused call in that mode.</param>
    /// <param name="InjectUsage">Whether the stream is asked for its usage chunk, removed again from what the caller reads.</param>
    /// <param name="OutputCap">The output cap the guard writes into the body, if any.</param>
    private readonly record struct Admission(GuardedRequest? Request, CallReservation? Reservation, HttpResponseMessage? Refusal, bool InjectUsage, int? OutputCap);
}
