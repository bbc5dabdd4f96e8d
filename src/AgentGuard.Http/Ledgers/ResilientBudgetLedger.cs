using Polly;
using Polly.Retry;

namespace AgentGuard.Http;

/// <summary>
/// Wraps a ledger whose store is reached over a network or a file lock: transient errors are retried a few times
/// (a short, bounded Polly retry; every operation is idempotent on its lease id, so a retry is harmless), and a
/// store that still fails surfaces as <see cref="BudgetLedgerUnavailableException"/>, so the guard fails closed.
/// </summary>
public sealed class ResilientBudgetLedger : IBudgetLedger, IAsyncDisposable, IDisposable
{
    private readonly IBudgetLedger _inner;
    private readonly string _description;
    private readonly ResiliencePipeline _pipeline;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The store's ledger.</param>
    /// <param name="description">The store, for messages (never with credentials).</param>
    /// <param name="isTransient">Which of the store's errors are worth retrying.</param>
    /// <param name="timeProvider">The clock of the retry delays.</param>
    /// <param name="maxRetries">How many times a transient error is retried (default 2).</param>
    /// <param name="retryDelay">The first retry's delay, doubled for each next one (default 50 ms).</param>
    public ResilientBudgetLedger(IBudgetLedger inner, string description, Func<Exception, bool> isTransient, TimeProvider? timeProvider = null, int maxRetries = 2, TimeSpan? retryDelay = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(isTransient);
        _inner = inner;
        _description = description;
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider ?? TimeProvider.System };
        if (maxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(isTransient),
                MaxRetryAttempts = maxRetries,
                Delay = retryDelay ?? TimeSpan.FromMilliseconds(50),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            });
        }

        _pipeline = builder.Build();
    }

    /// <summary>The wrapped ledger.</summary>
    public IBudgetLedger Inner => _inner;

    /// <inheritdoc />
    public ValueTask<ReservationResult> ReserveAsync(ReservationRequest request, CancellationToken cancellationToken = default) =>
        RunAsync((l, ct) => l.ReserveAsync(request, ct), cancellationToken);

    /// <inheritdoc />
    public ReservationResult Reserve(ReservationRequest request) => Run(l => l.Reserve(request));

    /// <inheritdoc />
    public ValueTask<SettlementResult> CommitAsync(string leaseId, long actualCostMicros, CancellationToken cancellationToken = default) =>
        RunAsync((l, ct) => l.CommitAsync(leaseId, actualCostMicros, ct), cancellationToken);

    /// <inheritdoc />
    public SettlementResult Commit(string leaseId, long actualCostMicros) => Run(l => l.Commit(leaseId, actualCostMicros));

    /// <inheritdoc />
    public ValueTask<SettlementResult> ReleaseAsync(string leaseId, CancellationToken cancellationToken = default) =>
        RunAsync((l, ct) => l.ReleaseAsync(leaseId, ct), cancellationToken);

    /// <inheritdoc />
    public SettlementResult Release(string leaseId) => Run(l => l.Release(leaseId));

    /// <inheritdoc />
    public ValueTask<SettlementResult> SettleAsync(SettlementRequest settlement, CancellationToken cancellationToken = default) =>
        RunAsync((l, ct) => l.SettleAsync(settlement, ct), cancellationToken);

    /// <inheritdoc />
    public SettlementResult Settle(SettlementRequest settlement) => Run(l => l.Settle(settlement));

    /// <inheritdoc />
    public ValueTask<bool> ExtendAsync(string leaseId, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
        RunAsync((l, ct) => l.ExtendAsync(leaseId, leaseDuration, ct), cancellationToken);

    /// <inheritdoc />
    public bool Extend(string leaseId, TimeSpan leaseDuration) => Run(l => l.Extend(leaseId, leaseDuration));

    /// <inheritdoc />
    public ValueTask<BudgetPoolState> GetStateAsync(BudgetPool pool, CancellationToken cancellationToken = default) =>
        RunAsync((l, ct) => l.GetStateAsync(pool, ct), cancellationToken);

    /// <inheritdoc />
    public BudgetPoolState GetState(BudgetPool pool) => Run(l => l.GetState(pool));

    /// <inheritdoc />
    public async ValueTask ResetAsync(string poolKey, CancellationToken cancellationToken = default) =>
        await RunAsync(async (l, ct) => { await l.ResetAsync(poolKey, ct).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public void Reset(string poolKey) => Run(l => { l.Reset(poolKey); return true; });

    /// <inheritdoc />
    public ValueTask<bool> TryClaimWarningAsync(string poolKey, decimal thresholdPercent, CancellationToken cancellationToken = default) =>
        RunAsync((l, ct) => l.TryClaimWarningAsync(poolKey, thresholdPercent, ct), cancellationToken);

    /// <inheritdoc />
    public bool TryClaimWarning(string poolKey, decimal thresholdPercent) => Run(l => l.TryClaimWarning(poolKey, thresholdPercent));

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<BudgetPoolState>> ListPoolsAsync(string? keyPrefix = null, CancellationToken cancellationToken = default) =>
        RunAsync((l, ct) => l.ListPoolsAsync(keyPrefix, ct), cancellationToken);

    /// <inheritdoc />
    public ValueTask<BudgetPoolState> SetLimitAsync(string poolKey, long limitMicros, CancellationToken cancellationToken = default) =>
        RunAsync((l, ct) => l.SetLimitAsync(poolKey, limitMicros, ct), cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SpendLogEntry>> ReadSpendLogAsync(SpendLogQuery query, CancellationToken cancellationToken = default) =>
        RunAsync((l, ct) => l.ReadSpendLogAsync(query, ct), cancellationToken);

    /// <inheritdoc />
    public ValueTask<int> SweepExpiredAsync(CancellationToken cancellationToken = default) =>
        RunAsync((l, ct) => l.SweepExpiredAsync(ct), cancellationToken);

    /// <inheritdoc />
    public async ValueTask PingAsync(CancellationToken cancellationToken = default) =>
        await RunAsync(async (l, ct) => { await l.PingAsync(ct).ConfigureAwait(false); return true; }, cancellationToken).ConfigureAwait(false);

    /// <summary>Disposes the wrapped ledger (its connections).</summary>
    public async ValueTask DisposeAsync()
    {
        switch (_inner)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    /// <summary>Disposes the wrapped ledger (its connections).</summary>
    public void Dispose()
    {
        switch (_inner)
        {
            case IDisposable disposable:
                disposable.Dispose();
                break;
            case IAsyncDisposable asyncDisposable:
                asyncDisposable.DisposeAsync().AsTask().GetAwaiter().GetResult();
                break;
        }
    }

    private T Run<T>(Func<IBudgetLedger, T> operation)
    {
        try
        {
            return _pipeline.Execute(static state => state.operation(state.inner), (operation, inner: _inner));
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            throw Unavailable(ex);
        }
    }

    private async ValueTask<T> RunAsync<T>(Func<IBudgetLedger, CancellationToken, ValueTask<T>> operation, CancellationToken cancellationToken)
    {
        try
        {
            return await _pipeline.ExecuteAsync(static (state, ct) => state.operation(state.inner, ct), (operation, inner: _inner), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStoreFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            throw Unavailable(ex);
        }
    }

    // Programming errors and the caller's own cancellation are not the store's failures.
    private static bool IsStoreFailure(Exception ex) =>
        ex is not (ArgumentException or NotSupportedException or ObjectDisposedException or BudgetLedgerUnavailableException or OperationCanceledException);

    private BudgetLedgerUnavailableException Unavailable(Exception ex) => new(_description, ex.Message, ex);
}
