namespace AgentGuard.Http.Ledgers.Tests.Contract;

/// <summary>
/// The contract of <see cref="IBudgetLedger"/>, run against every ledger: derive, create the ledger, and say how to make
/// a lease expire by the store's clock. Each test uses pools of its own (a unique budget name), so a store may be shared.
/// Every operation is exercised in its synchronous and asynchronous form.
/// </summary>
public abstract partial class LedgerContractTests : IAsyncLifetime
{
    private IBudgetLedger? _ledger;

    /// <summary>The ledger under test.</summary>
    protected IBudgetLedger Ledger => _ledger ?? throw new InvalidOperationException("The ledger is created in InitializeAsync.");

    /// <summary>A budget name no other test uses.</summary>
    protected string Budget { get; } = "b" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>A lease that expires soon by the store's clock (stores judged by a real clock use a short one).</summary>
    protected virtual TimeSpan ShortLease => TimeSpan.FromMinutes(5);

    /// <summary>A lease that does not expire during a test.</summary>
    protected static TimeSpan LongLease => TimeSpan.FromHours(1);

    /// <summary>Whether expiry can be forced quickly (a fake clock): the property test then includes it.</summary>
    protected virtual bool FastExpiry => true;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Creates the ledger (or connects to the shared store).</summary>
    protected abstract ValueTask<IBudgetLedger> CreateLedgerAsync();

    /// <summary>Lets <see cref="ShortLease"/> pass by the store's clock.</summary>
    protected abstract ValueTask LetShortLeaseExpireAsync();

    public virtual async ValueTask InitializeAsync() => _ledger = await CreateLedgerAsync();

    public virtual async ValueTask DisposeAsync()
    {
        switch (_ledger)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }

        GC.SuppressFinalize(this);
    }

    protected BudgetPool Pool(string? scope = null, long limit = 1_000) => new(scope is null ? Budget : $"{Budget}/{scope}", limit);

    protected ValueTask<ReservationResult> Reserve(bool async, string lease, long amount, TimeSpan? duration = null, bool countRefusal = true, params BudgetPool[] pools)
    {
        var request = new ReservationRequest(Key(lease), pools.Length == 0 ? [Pool()] : pools, amount, duration ?? LongLease) { Provider = "openai", Model = "gpt-4o-mini", CountRefusal = countRefusal };
        return async ? Ledger.ReserveAsync(request, Ct) : ValueTask.FromResult(Ledger.Reserve(request));
    }

    protected ValueTask<SettlementResult> Commit(bool async, string lease, long cost) =>
        async ? Ledger.CommitAsync(Key(lease), cost, Ct) : ValueTask.FromResult(Ledger.Commit(Key(lease), cost));

    protected ValueTask<SettlementResult> Release(bool async, string lease) =>
        async ? Ledger.ReleaseAsync(Key(lease), Ct) : ValueTask.FromResult(Ledger.Release(Key(lease)));

    protected ValueTask<SettlementResult> Settle(bool async, string lease, long? cost, SpendDetails details)
    {
        var settlement = new SettlementRequest(Key(lease), cost, details);
        return async ? Ledger.SettleAsync(settlement, Ct) : ValueTask.FromResult(Ledger.Settle(settlement));
    }

    protected ValueTask<bool> Extend(bool async, string lease, TimeSpan duration) =>
        async ? Ledger.ExtendAsync(Key(lease), duration, Ct) : ValueTask.FromResult(Ledger.Extend(Key(lease), duration));

    protected ValueTask<BudgetPoolState> State(bool async, BudgetPool? pool = null) =>
        async ? Ledger.GetStateAsync(pool ?? Pool(), Ct) : ValueTask.FromResult(Ledger.GetState(pool ?? Pool()));

    protected async ValueTask Reset(bool async, BudgetPool? pool = null)
    {
        if (async)
        {
            await Ledger.ResetAsync((pool ?? Pool()).Key, Ct);
        }
        else
        {
            Ledger.Reset((pool ?? Pool()).Key);
        }
    }

    protected ValueTask<bool> ClaimWarning(bool async, decimal threshold, BudgetPool? pool = null) =>
        async ? Ledger.TryClaimWarningAsync((pool ?? Pool()).Key, threshold, Ct) : ValueTask.FromResult(Ledger.TryClaimWarning((pool ?? Pool()).Key, threshold));

    /// <summary>Lease ids are unique per test too, so that tests can share a store.</summary>
    protected string Key(string lease) => $"{Budget}-{lease}";
}
