using AgentGuard.Http.Estimation;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Providers;
using AgentGuard.Http.Providers.OpenAI;
using AgentGuard.Http.Telemetry;

namespace AgentGuard.Http.Settlement;

/// <summary>
/// One admitted call's reservation, settled exactly once: from usage, charged in full, or released.
/// Whichever path gets there first (the response, the stream, its disposal, a failure) wins; the others do nothing.
/// </summary>
internal sealed class CallReservation
{
    private readonly BudgetedSession _session;
    private readonly PricedModel? _model;
    private readonly TimeSpan _leaseDuration;
    private readonly EstimationContext _context;
    private long _lastExtended;
    private int _settled;

    // Set by the renewal timer when half the lease has passed: a stream's reads test this flag, not the clock.
    private int _extendDue;
    private ITimer? _renewal;

    public CallReservation(BudgetedSession session, BudgetScope? scope, string model, PricedModel? pricedModel, ServiceTier tier, string leaseId, long reservedMicros, TimeSpan leaseDuration, EstimationContext? context = null, LlmProvider? provider = null)
    {
        _context = context ?? EstimationContext.Default;
        Provider = provider ?? LlmProviders.OpenAI;
        _session = session;
        Scope = scope;
        Model = model;
        _model = pricedModel;
        Tier = tier;
        LeaseId = leaseId;
        ReservedMicros = reservedMicros;
        _leaseDuration = leaseDuration;
        _lastExtended = session.Time.GetTimestamp();
        session.CallStarted();
    }

    /// <summary>The budget the reservation was made in.</summary>
    public BudgetedSession Session => _session;

    public BudgetScope? Scope { get; }

    /// <summary>The provider the call was sent to: its rules settle it, and its name tags the metrics.</summary>
    public LlmProvider Provider { get; }

    public string Model { get; }

    public ServiceTier Tier { get; }

    public string LeaseId { get; }

    public long ReservedMicros { get; }

    public bool IsSettled => Volatile.Read(ref _settled) != 0;

    /// <summary>Whether the lease has run out since it was taken or last extended (the ledger then charges it in full).</summary>
    public bool LeaseExpired => _session.Time.GetElapsedTime(Volatile.Read(ref _lastExtended)) >= _leaseDuration;

    /// <summary>
    /// Settles at the cost the usage reports, hosted tool fees included (which may exceed the reservation: the truth is
    /// recorded). A Responses response's tokens are remembered for the requests that continue it.
    /// </summary>
    public ValueTask SettleFromUsageAsync(TokenUsage usage, bool async)
    {
        // Remembered even when settled already (a stream disposed first): a later previous_response_id is bounded by it. Not a
        // response whose hosted tools ran: their last results (search results, a generated image) enter the next request's
        // context without having been counted in this one's tokens, so a continuation of it is bounded as unknown.
        if (usage.ResponseId is { } responseId && usage.HostedToolCalls is not { Count: > 0 })
        {
            _session.ResponseTokens.Remember(responseId, usage.PromptTokens + usage.CompletionTokens);
        }

        if (IsSettled)
        {
            return ValueTask.CompletedTask;
        }

        if (_model is null)
        {
            // A forwarded request of an unknown model: its cost cannot be computed, only its reservation charged.
            return ChargeInFullAsync("the model has no price to compute the usage's cost with", async);
        }

        var tier = Provider.BilledTier(usage.ServiceTier, Tier);
        bool longContext = _model.IsLongContext(usage.PromptTokens);
        if (!_model.TryGetRates(tier, longContext, out var rates))
        {
            Log.UnpricedBilledTier(_session.Logger, _session.Name, Model, tier);
            rates = _model.GetRates(Tier, longContext, Model);
        }

        // Audio tokens bill at the audio prices; without one (not set, or above the long-context threshold) nothing says
        // what they cost, and pricing them as text could bill below the truth: the reservation is charged in full instead.
        long audioIn = usage.AudioPromptTokens, audioOut = usage.AudioCompletionTokens;
        if ((audioIn > 0 && rates.AudioInput is null) || (audioOut > 0 && rates.AudioOutput is null))
        {
            return ChargeInFullAsync(
                $"the usage reports {audioIn} audio input and {audioOut} audio output tokens, and model '{Model}' has no audio price to bill them at", async);
        }

        // Usage does not say whether cached tokens include audio ones: every audio token bills at the audio input price (no
        // cached audio price is known), and only the cached tokens that cannot be audio at the cached text price.
        long cachedText = Math.Max(0, usage.CachedTokens - audioIn);
        decimal tokens = rates.CostMicros(usage.PromptTokens - audioIn - cachedText, cachedText, usage.CompletionTokens - audioOut, audioIn, audioOut);
        long cost = TokenRates.RoundUp((tokens + HostedTools.FeeMicros(usage.HostedToolCalls, _context.HostedToolFees)) * _context.PriceMultiplier);
        var details = new SpendDetails(SpendOutcome.SettledFromUsage, Model, usage.PromptTokens, usage.CachedTokens, usage.CompletionTokens);
        return SettleAsync(cost, details, SettlementOutcomes.FromUsage, "the response reported its usage", async);
    }

    /// <summary>Charges the whole reservation: the call may have been billed and nothing says for how much.</summary>
    public ValueTask ChargeInFullAsync(string reason, bool async) =>
        SettleAsync(ReservedMicros, new SpendDetails(SpendOutcome.ChargedInFull, Model), SettlementOutcomes.ChargedInFull, reason, async);

    /// <summary>Releases the reservation: the call was certainly not billed.</summary>
    public ValueTask ReleaseAsync(string reason, bool async) =>
        SettleAsync(null, new SpendDetails(SpendOutcome.Released, Model), SettlementOutcomes.Released, reason, async);

    /// <summary>
    /// Keeps the lease alive while a stream is read: a one-shot timer marks the lease due for renewal at half its
    /// duration, and the next read renews it (and arms the timer again). A stream nobody reads lets the timer lapse, so
    /// nothing holds the reservation in memory and the lease expires as it should.
    /// </summary>
    public void StartRenewal() =>
        _renewal = _session.Time.CreateTimer(static state => Volatile.Write(ref ((CallReservation)state!)._extendDue, 1), this, _leaseDuration / 2, Timeout.InfiniteTimeSpan);

    /// <summary>Extends the lease when half of it has passed, so that a long stream is not charged in full while it runs.</summary>
    public ValueTask ExtendIfDueAsync(bool async)
    {
        if (Volatile.Read(ref _extendDue) == 0 || Interlocked.Exchange(ref _extendDue, 0) == 0 || IsSettled)
        {
            return ValueTask.CompletedTask;
        }

        Volatile.Write(ref _lastExtended, _session.Time.GetTimestamp());
        _renewal?.Change(_leaseDuration / 2, Timeout.InfiniteTimeSpan);
        return ExtendAsync(async);
    }

    private async ValueTask ExtendAsync(bool async)
    {
        bool extended;
        try
        {
            extended = async
                ? await _session.Ledger.ExtendAsync(LeaseId, _leaseDuration).ConfigureAwait(false)
                : _session.Ledger.Extend(LeaseId, _leaseDuration);
        }
        catch (BudgetLedgerUnavailableException ex)
        {
            // The stream goes on; if the store stays away, the lease expires and is charged in full.
            Log.LedgerFailedDuringCall(_session.Logger, ex, _session.Name, LeaseId);
            return;
        }

        if (!extended && !IsSettled)
        {
            Log.LeaseExtensionFailed(_session.Logger, _session.Name, LeaseId);
        }
    }

    private async ValueTask SettleAsync(long? costMicros, SpendDetails details, string outcome, string reason, bool async)
    {
        if (Interlocked.Exchange(ref _settled, 1) != 0)
        {
            return;
        }

        _renewal?.Dispose();
        _session.CallEnded();

        // Settlement must happen even when the caller has given up on the call: no cancellation token.
        var settlement = new SettlementRequest(LeaseId, costMicros, details);
        SettlementResult result;
        try
        {
            result = async ? await _session.Ledger.SettleAsync(settlement).ConfigureAwait(false) : _session.Ledger.Settle(settlement);
        }
        catch (BudgetLedgerUnavailableException ex)
        {
            // The call's response is not the place to fail: the lease expires and is charged in full instead.
            Log.LedgerFailedDuringCall(_session.Logger, ex, _session.Name, LeaseId);
            return;
        }

        await _session.OnSettledAsync(this, result, costMicros ?? 0, outcome, reason, async).ConfigureAwait(false);
    }
}

/// <summary>The names of the three ways a reservation is settled, as logged and tagged in metrics.</summary>
internal static class SettlementOutcomes
{
    public const string FromUsage = "settled_from_usage";
    public const string ChargedInFull = "charged_in_full";
    public const string Released = "released";
}
