using System.Collections.Concurrent;
using AgentGuard.Http.Settlement;
using AgentGuard.Http.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentGuard.Http;

/// <summary>
/// One budget: its limit, what it has spent and reserved, and this process's call counts since the last reset.
/// Every guarded client that names the budget draws from the same session. Thread-safe.
/// With dependency injection, resolve it with <c>sp.GetRequiredKeyedService&lt;BudgetedSession&gt;(budgetName)</c>;
/// without, <see cref="OpenAI"/> returns a guarded OpenAI client and its session.
/// </summary>
public sealed partial class BudgetedSession
{
    private readonly BudgetPool[] _pools;
    private readonly decimal[] _thresholds;
    private readonly Action<BudgetWarning>[] _onWarning;
    private readonly ConcurrentDictionary<string, long> _spendByModel = new(StringComparer.Ordinal);
    private long _calls;
    private long _refusedCalls;

    internal BudgetedSession(
        string name,
        long limitMicros,
        IBudgetLedger ledger,
        IEnumerable<decimal> warningThresholds,
        IEnumerable<Action<BudgetWarning>> onWarning,
        TimeProvider timeProvider,
        ILoggerFactory? loggerFactory,
        AgentGuardMetrics metrics)
    {
        Name = name;
        Ledger = ledger;
        _pools = [new BudgetPool(name, limitMicros)];
        _thresholds = [.. warningThresholds.Distinct().Order()];
        _onWarning = [.. onWarning.Distinct()];
        Time = timeProvider;
        Logger = (ILogger?)loggerFactory?.CreateLogger<BudgetGuardHandler>() ?? NullLogger.Instance;
        Metrics = metrics;
    }

    /// <summary>The budget's name: clients naming it share it.</summary>
    public string Name { get; }

    internal IBudgetLedger Ledger { get; }

    internal IReadOnlyList<BudgetPool> Pools => _pools;

    internal TimeProvider Time { get; }

    internal ILogger Logger { get; }

    internal AgentGuardMetrics Metrics { get; }

    /// <summary>The budget's limit, in USD.</summary>
    public decimal GetBudget() => Micros.ToUsd(State().LimitMicros);

    /// <summary>What settled calls have cost since the last reset, in USD.</summary>
    public decimal GetTotalSpent() => Micros.ToUsd(State().SpentMicros);

    /// <summary>What calls in flight hold, in USD.</summary>
    public decimal GetReserved() => Micros.ToUsd(State().ReservedMicros);

    /// <summary>The budget minus spent minus reserved (calls in flight are accounted for), in USD, never below zero.</summary>
    public decimal GetRemainingBudget() => Micros.ToUsd(State().RemainingMicros);

    /// <summary>The budget's state with this process's call counts and spend per model.</summary>
    public BudgetSummary GetSummary() => Summarize(State());

    /// <inheritdoc cref="GetSummary"/>
    public async ValueTask<BudgetSummary> GetSummaryAsync(CancellationToken cancellationToken = default) =>
        Summarize(await Ledger.GetStateAsync(_pools[0], cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Zeroes spent, the call counts and the warning state. Reservations of calls in flight are kept and settle
    /// into the reset budget.
    /// </summary>
    public void Reset()
    {
        Ledger.Reset(Name);
        ResetCounts();
    }

    /// <inheritdoc cref="Reset"/>
    public async ValueTask ResetAsync(CancellationToken cancellationToken = default)
    {
        await Ledger.ResetAsync(Name, cancellationToken).ConfigureAwait(false);
        ResetCounts();
    }

    internal void RecordAdmitted(string model, long reservedMicros)
    {
        Interlocked.Increment(ref _calls);
        Metrics.Reserved(Name, model, reservedMicros);
    }

    internal void RecordRefused(string model, string reason)
    {
        Interlocked.Increment(ref _refusedCalls);
        Metrics.Refused(Name, model, reason);
    }

    /// <summary>Applies a settlement to the ledger, then records it and raises the warnings it crossed.</summary>
    internal async ValueTask SettleAsync(CallReservation reservation, long costMicros, string outcome, string reason, bool async)
    {
        // Settlement must happen even when the caller has given up on the call.
        var result = costMicros == 0 && outcome == SettlementOutcomes.Released
            ? (async ? await Ledger.ReleaseAsync(reservation.LeaseId).ConfigureAwait(false) : Ledger.Release(reservation.LeaseId))
            : (async ? await Ledger.CommitAsync(reservation.LeaseId, costMicros).ConfigureAwait(false) : Ledger.Commit(reservation.LeaseId, costMicros));

        if (costMicros > 0)
        {
            _spendByModel.AddOrUpdate(reservation.Model, static (_, add) => add, static (_, total, add) => total + add, costMicros);
        }

        Metrics.Settled(Name, reservation.Model, reservation.ReservedMicros, costMicros, outcome);
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
            if (pool.Key == Name)
            {
                await RaiseWarningsAsync(pool, async).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask RaiseWarningsAsync(BudgetPoolState pool, bool async)
    {
        if (_onWarning.Length == 0 || pool.LimitMicros == 0)
        {
            return;
        }

        // Ascending, so one settlement that crosses several thresholds raises them in order.
        foreach (decimal threshold in _thresholds)
        {
            if (pool.SpentMicros * 100m < threshold * pool.LimitMicros)
            {
                break;
            }

            bool claimed = async
                ? await Ledger.TryClaimWarningAsync(Name, threshold).ConfigureAwait(false)
                : Ledger.TryClaimWarning(Name, threshold);
            if (!claimed)
            {
                continue;
            }

            var warning = new BudgetWarning(Name, threshold, Micros.ToUsd(pool.SpentMicros), Micros.ToUsd(pool.RemainingMicros), Micros.ToUsd(pool.LimitMicros));
            foreach (var callback in _onWarning)
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

    private BudgetPoolState State() => Ledger.GetState(_pools[0]);

    private void ResetCounts()
    {
        Interlocked.Exchange(ref _calls, 0);
        Interlocked.Exchange(ref _refusedCalls, 0);
        _spendByModel.Clear();
    }

    private BudgetSummary Summarize(BudgetPoolState state) => new(
        Name,
        Micros.ToUsd(state.LimitMicros),
        Micros.ToUsd(state.SpentMicros),
        Micros.ToUsd(state.ReservedMicros),
        Micros.ToUsd(state.RemainingMicros),
        state.LimitMicros == 0 ? 0m : Math.Round(state.SpentMicros * 100m / state.LimitMicros, 4),
        Interlocked.Read(ref _calls),
        Interlocked.Read(ref _refusedCalls),
        _spendByModel.ToDictionary(static p => p.Key, static p => Micros.ToUsd(p.Value), StringComparer.Ordinal));
}
