using System.Collections.Concurrent;
using AgentGuard.Http.Providers.OpenAI;
using AgentGuard.Http.Settlement;
using AgentGuard.Http.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;

namespace AgentGuard.Http;

/// <summary>
/// One budget (or one scope of a budget): its limit, what it has spent and reserved in the current window, and this
/// process's call counts since the last reset. Every guarded client that names the budget draws from it. Thread-safe.
/// With dependency injection, resolve it with <c>sp.GetRequiredKeyedService&lt;BudgetedSession&gt;(budgetName)</c>, or a
/// scope's with <see cref="IBudgetSessionProvider"/>; without, <see cref="OpenAI"/> returns a guarded OpenAI client and its session.
/// </summary>
public sealed partial class BudgetedSession
{
    private readonly BudgetDefinition _budget;
    private readonly Shared _shared;

    internal BudgetedSession(BudgetDefinition budget, IBudgetLedger ledger, IEnumerable<Action<BudgetWarning>> onWarning, TimeProvider timeProvider, ILoggerFactory? loggerFactory, AgentGuardMetrics metrics)
    {
        _budget = budget;
        _shared = new Shared(
            ledger,
            [.. onWarning.Distinct()],
            timeProvider,
            (ILogger?)loggerFactory?.CreateLogger<BudgetGuardHandler>() ?? NullLogger.Instance,
            metrics);
    }

    private BudgetedSession(BudgetedSession budget, BudgetScope scope)
    {
        _budget = budget._budget;
        _shared = budget._shared;
        Scope = scope;
    }

    /// <summary>The budget's name: clients naming it share it.</summary>
    public string Name => _budget.Name;

    /// <summary>The scope this session reports on, or <see langword="null"/> for the whole budget.</summary>
    public BudgetScope? Scope { get; }

    internal IBudgetLedger Ledger => _shared.Ledger;

    internal TimeProvider Time => _shared.Time;

    internal ILogger Logger => _shared.Logger;

    internal AgentGuardMetrics Metrics => _shared.Metrics;

    internal BudgetDefinition Definition => _budget;

    /// <summary>The tokens of the Responses this budget settled, which bound what a <c>previous_response_id</c> brings in.</summary>
    internal ResponseTokenCache ResponseTokens => _shared.ResponseTokens;

    /// <summary>The background Responses whose reservations wait for a <c>GET /responses/{id}</c> that shows their outcome.</summary>
    internal BackgroundResponses BackgroundResponses => _shared.BackgroundResponses;

    /// <summary>The limit, in USD (the stored limit, which may have been changed since the options seeded it).</summary>
    public decimal GetBudget() => Micros.ToUsd(State().LimitMicros);

    /// <summary>What settled calls have cost in the current window since the last reset, in USD.</summary>
    public decimal GetTotalSpent() => Micros.ToUsd(State().SpentMicros);

    /// <summary>What calls in flight hold, in USD.</summary>
    public decimal GetReserved() => Micros.ToUsd(State().ReservedMicros);

    /// <summary>The budget minus spent minus reserved (calls in flight are accounted for), in USD, never below zero.</summary>
    public decimal GetRemainingBudget() => Micros.ToUsd(State().RemainingMicros);

    /// <summary>The budget's state with this process's call counts and spend per model.</summary>
    public BudgetSummary GetSummary() => Summarize(State());

    /// <inheritdoc cref="GetSummary"/>
    public async ValueTask<BudgetSummary> GetSummaryAsync(CancellationToken cancellationToken = default) =>
        Summarize(await Ledger.GetStateAsync(OwnPool(), cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Zeroes spent (of the current window, for a windowed budget), the call counts and the warning state. Reservations of
    /// calls in flight are kept and settle into the reset budget.
    /// </summary>
    public void Reset()
    {
        Ledger.Reset(OwnPool().Key);
        Counters().Reset();
    }

    /// <inheritdoc cref="Reset"/>
    public async ValueTask ResetAsync(CancellationToken cancellationToken = default)
    {
        await Ledger.ResetAsync(OwnPool().Key, cancellationToken).ConfigureAwait(false);
        Counters().Reset();
    }

    /// <summary>The session of one scope of this budget (its limit, spend and counts).</summary>
    /// <exception cref="InvalidOperationException">The scope's innermost level has no limit, so it has no pool of its own.</exception>
    internal BudgetedSession ForScope(BudgetScope scope)
    {
        if (scope.Segments.Count == 0)
        {
            return this;
        }

        if (_budget.LimitOf(scope.Segments[^1]) is null)
        {
            throw new InvalidOperationException(
                $"The scope '{scope}' of budget '{Name}' has no limit, so it has no pool of its own: configure AgentGuardOptions.ScopeLimits[\"{scope.Segments[^1].Level}\"].");
        }

        return new BudgetedSession(this, scope);
    }

    /// <summary>Whether both sessions draw from the same budget: the same name in the same ledger.</summary>
    internal bool IsSameBudget(BudgetedSession other) =>
        ReferenceEquals(_shared, other._shared) || (Name == other.Name && ReferenceEquals(Ledger, other.Ledger));

    /// <summary>The pools a call in <paramref name="scope"/> draws from now.</summary>
    internal BudgetPool[] PoolsFor(BudgetScope? scope) => _budget.PoolsFor(scope, Time.GetUtcNow());

    /// <summary>The calls of this budget this process has reserved and not yet settled.</summary>
    internal int CallsInFlight => Volatile.Read(ref _shared.CallsInFlight);

    internal void CallStarted() => Interlocked.Increment(ref _shared.CallsInFlight);

    /// <summary>The calls of this budget this process is admitting now (the caller among them).</summary>
    internal int CallsAdmitting => Volatile.Read(ref _shared.CallsAdmitting);

    internal void AdmissionStarted() => Interlocked.Increment(ref _shared.CallsAdmitting);

    internal void AdmissionEnded() => Interlocked.Decrement(ref _shared.CallsAdmitting);

    internal void CallEnded() => Interlocked.Decrement(ref _shared.CallsInFlight);

    internal void RecordAdmitted(BudgetScope? scope, string provider, string model, long reservedMicros)
    {
        ForEachScopeLevel(scope, static c => c.AddCall());
        Metrics.Reserved(Name, provider, model, reservedMicros);
    }

    internal void RecordRefused(BudgetScope? scope, string provider, string model, string reason)
    {
        ForEachScopeLevel(scope, static c => c.AddRefusal());
        Metrics.Refused(Name, provider, model, reason);
    }

    /// <summary>Records a settlement the ledger applied, and raises the warnings it crossed.</summary>
    internal async ValueTask OnSettledAsync(CallReservation reservation, SettlementResult result, long costMicros, string outcome, string reason, bool async)
    {
        if (costMicros > 0)
        {
            ForEachScopeLevel(reservation.Scope, c => c.AddSpend(reservation.Model, costMicros));
        }

        Metrics.Settled(Name, reservation.Provider.Name, reservation.Model, reservation.ReservedMicros, costMicros, outcome);
        if (outcome == SettlementOutcomes.ChargedInFull)
        {
            // A stream cut short, a cancelled call, an outcome the guard cannot know: the user pays the worst case, and
            // should be able to see why without turning on Debug.
            Log.ChargedInFull(Logger, Name, reservation.LeaseId, reservation.Model, Micros.ToUsd(costMicros), reason);
        }

        if (Logger.IsEnabled(LogLevel.Debug))
        {
            Log.Settled(Logger, Name, reservation.LeaseId, reservation.Model, outcome, Micros.ToUsd(costMicros), Micros.ToUsd(reservation.ReservedMicros), reason);
        }

        if (costMicros > reservation.ReservedMicros)
        {
            Log.SettlementAboveReservation(Logger, Name, reservation.Model, Micros.ToUsd(costMicros), Micros.ToUsd(reservation.ReservedMicros), reservation.LeaseId);
        }

        foreach (var pool in result.Pools)
        {
            await RaiseWarningsAsync(pool, async).ConfigureAwait(false);
        }
    }

    private async ValueTask RaiseWarningsAsync(BudgetPoolState pool, bool async)
    {
        if (_shared.OnWarning.Length == 0 || pool.LimitMicros == 0)
        {
            return;
        }

        // Ascending, so one settlement that crosses several thresholds raises them in order.
        foreach (decimal threshold in _budget.Thresholds)
        {
            if (pool.SpentMicros * 100m < threshold * pool.LimitMicros)
            {
                break;
            }

            bool claimed;
            try
            {
                claimed = async
                    ? await Ledger.TryClaimWarningAsync(pool.Key, threshold).ConfigureAwait(false)
                    : Ledger.TryClaimWarning(pool.Key, threshold);
            }
            catch (BudgetLedgerUnavailableException ex)
            {
                // The settlement is recorded; a warning that cannot be claimed now is raised by a later settlement.
                Log.WarningClaimFailed(Logger, ex, Name, threshold);
                return;
            }

            if (!claimed)
            {
                continue;
            }

            var (scope, window) = BudgetDefinition.Describe(pool.Key);
            var warning = new BudgetWarning(Name, threshold, Micros.ToUsd(pool.SpentMicros), Micros.ToUsd(pool.RemainingMicros), Micros.ToUsd(pool.LimitMicros))
            {
                Scope = scope,
                Window = window,
            };
            foreach (var callback in _shared.OnWarning)
            {
                Invoke(callback, warning, nameof(AgentGuardOptions.OnWarning));
            }
        }
    }

    /// <summary>Runs a user callback; what it throws is logged and never changes the call or the accounting.</summary>
    internal void Invoke<T>(Action<T> callback, T argument, string callbackName)
    {
        try
        {
            callback(argument);
        }
#pragma warning disable CA1031 // A user callback must not break the call or the accounting, whatever it throws.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.CallbackFailed(Logger, ex, callbackName, Name);
        }
    }

    private BudgetPool OwnPool() => PoolsFor(Scope)[^1];

    private BudgetPoolState State() => Ledger.GetState(OwnPool());

    private CallCounters Counters() => _shared.Counters.GetOrAdd(Scope?.ToString() ?? "", static _ => new CallCounters());

    // The budget's counters and those of each level of the call's scope.
    private void ForEachScopeLevel(BudgetScope? scope, Action<CallCounters> update)
    {
        update(_shared.Counters.GetOrAdd("", static _ => new CallCounters()));
        for (int depth = 1; depth <= (scope?.Segments.Count ?? 0); depth++)
        {
            string key = BudgetScope.Create(scope!.Segments.Take(depth)).ToString();
            update(_shared.Counters.GetOrAdd(key, static _ => new CallCounters()));
        }
    }

    private BudgetSummary Summarize(BudgetPoolState state)
    {
        var counters = Counters();
        return new BudgetSummary(
            Name,
            Micros.ToUsd(state.LimitMicros),
            Micros.ToUsd(state.SpentMicros),
            Micros.ToUsd(state.ReservedMicros),
            Micros.ToUsd(state.RemainingMicros),
            state.LimitMicros == 0 ? 0m : Math.Round(state.SpentMicros * 100m / state.LimitMicros, 4),
            counters.Calls,
            counters.RefusedCalls,
            counters.SpendByModel());
    }

    /// <summary>What the sessions of one budget (the budget's and its scopes') share.</summary>
    private sealed record Shared(IBudgetLedger Ledger, Action<BudgetWarning>[] OnWarning, TimeProvider Time, ILogger Logger, AgentGuardMetrics Metrics)
    {
        public ConcurrentDictionary<string, CallCounters> Counters { get; } = new(StringComparer.Ordinal);

        /// <summary>Reservations this process holds in this budget: fit-to-budget leaves each of them a share of what remains.</summary>
        public int CallsInFlight;

        /// <summary>Calls being admitted now: calls that arrive together share what remains instead of the first taking it.</summary>
        public int CallsAdmitting;

        // Kept with the budget, not the handler: handlers are pooled and recycled while a chain or a background response goes on.
        public ResponseTokenCache ResponseTokens { get; } = new();

        public BackgroundResponses BackgroundResponses { get; } = new();
    }

    /// <summary>This process's counts for one budget or scope since its last reset.</summary>
    private sealed class CallCounters
    {
        private readonly ConcurrentDictionary<string, long> _spendByModel = new(StringComparer.Ordinal);
        private long _calls;
        private long _refused;

        public long Calls => Interlocked.Read(ref _calls);

        public long RefusedCalls => Interlocked.Read(ref _refused);

        public void AddCall() => Interlocked.Increment(ref _calls);

        public void AddRefusal() => Interlocked.Increment(ref _refused);

        public void AddSpend(string model, long micros) =>
            _spendByModel.AddOrUpdate(model, static (_, add) => add, static (_, total, add) => total + add, micros);

        public IReadOnlyDictionary<string, decimal> SpendByModel() =>
            _spendByModel.ToDictionary(static p => p.Key, static p => Micros.ToUsd(p.Value), StringComparer.Ordinal);

        public void Reset()
        {
            Interlocked.Exchange(ref _calls, 0);
            Interlocked.Exchange(ref _refused, 0);
            _spendByModel.Clear();
        }
    }
}
