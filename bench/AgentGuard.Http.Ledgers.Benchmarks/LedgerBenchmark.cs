using System.Globalization;
using BenchmarkDotNet.Attributes;

namespace AgentGuard.Http.Ledgers.Benchmarks;

/// <summary>
/// Reserve+commit pairs on one ledger: each pair reserves under a fresh lease id and commits at a smaller cost, exactly
/// what a guarded call does around the HTTP request. One invocation runs a fixed number of pairs split evenly among
/// <see cref="Callers"/> concurrent callers (threads of their own in the synchronous form, tasks on the thread pool in
/// the asynchronous one); each derived class declares that number as its benchmarks' <c>OperationsPerInvoke</c>, so one
/// reported operation is one pair and the throughput column reads in pairs per second.
/// </summary>
public abstract class LedgerBenchmark
{
    /// <summary>What each pair reserves: far below the budgets, which never refuse.</summary>
    public const long ReserveMicros = 1_000;

    /// <summary>What each pair commits: less than it reserved, so the commit refunds part of the reservation.</summary>
    public const long CommitMicros = 600;

    /// <summary>Big enough for any run never to be refused (10^15 micro-dollars: a billion dollars), small enough for every store's arithmetic.</summary>
    public const long LimitMicros = 1_000_000_000_000_000;

    /// <summary>The lease of each reservation: the guard's default (<c>AgentGuardOptions.LeaseDuration</c>), longer than any run.</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromMinutes(10);

    private readonly int _pairsPerInvoke;
    private IBudgetLedger _ledger = null!;
    private BudgetPool[] _pools = null!;
    private string _leasePrefix = null!;
    private CallerThreads? _threads;
    private long _lastLease;

    protected LedgerBenchmark(int pairsPerInvoke) => _pairsPerInvoke = pairsPerInvoke;

    /// <summary>Concurrent callers sharing the invocation's pairs.</summary>
    [Params(1, 4, 16)]
    public int Callers { get; set; }

    /// <summary>Pools each reservation draws from: the budget alone, or the budget, a tenant's and an agent's.</summary>
    [Params(1, 3)]
    public int Pools { get; set; }

    /// <summary>The pools of a reservation: <c>b</c>, <c>b/tenant:1</c>, <c>b/tenant:1/agent:1</c> (the first <paramref name="count"/>).</summary>
    public static BudgetPool[] PoolsOf(int count) =>
        [.. new[] { "b", "b/tenant:1", "b/tenant:1/agent:1" }.Take(count).Select(key => new BudgetPool(key, LimitMicros))];

    [GlobalSetup]
    public void Setup()
    {
        if (_pairsPerInvoke % Callers != 0)
        {
            throw new InvalidOperationException($"{_pairsPerInvoke} pairs per invocation do not split evenly among {Callers} callers.");
        }

        _ledger = CreateLedger();
        _pools = PoolsOf(Pools);
        _leasePrefix = "bench-" + Guid.NewGuid().ToString("N")[..8] + "-";

        // Creates the pools (and the store's schema) before the first measured pair.
        foreach (var pool in _pools)
        {
            _ledger.GetState(pool);
        }

        _threads = Callers > 1 ? new CallerThreads(Callers - 1) : null;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _threads?.Dispose();
        DisposeLedger(_ledger);
    }

    /// <summary>The ledger under test, empty or holding earlier runs' leases (each run uses lease ids of its own).</summary>
    protected abstract IBudgetLedger CreateLedger();

    protected abstract void DisposeLedger(IBudgetLedger ledger);

    /// <summary>The synchronous form: caller 0 on the benchmark's thread, the others on threads of their own.</summary>
    protected void RunPairs()
    {
        int perCaller = _pairsPerInvoke / Callers;
        if (_threads is null)
        {
            RunCaller(perCaller);
            return;
        }

        _threads.Run(perCaller, RunCaller);
    }

    /// <summary>The asynchronous form: one caller inline, or every caller a task on the thread pool.</summary>
    protected Task RunPairsAsync()
    {
        int perCaller = _pairsPerInvoke / Callers;
        if (Callers == 1)
        {
            return RunCallerAsync(perCaller);
        }

        var callers = new Task[Callers];
        for (int i = 0; i < callers.Length; i++)
        {
            callers[i] = Task.Run(() => RunCallerAsync(perCaller));
        }

        return Task.WhenAll(callers);
    }

    private void RunCaller(int pairs)
    {
        var ledger = _ledger;
        for (int i = 0; i < pairs; i++)
        {
            string lease = NextLeaseId();
            if (!ledger.Reserve(new ReservationRequest(lease, _pools, ReserveMicros, LeaseDuration)).Granted)
            {
                throw Refused(lease);
            }

            var settled = ledger.Commit(lease, CommitMicros);
            if (settled.Status != SettlementStatus.Settled)
            {
                throw NotSettled(lease, settled.Status);
            }
        }
    }

    private async Task RunCallerAsync(int pairs)
    {
        var ledger = _ledger;
        for (int i = 0; i < pairs; i++)
        {
            string lease = NextLeaseId();
            if (!(await ledger.ReserveAsync(new ReservationRequest(lease, _pools, ReserveMicros, LeaseDuration))).Granted)
            {
                throw Refused(lease);
            }

            var settled = await ledger.CommitAsync(lease, CommitMicros);
            if (settled.Status != SettlementStatus.Settled)
            {
                throw NotSettled(lease, settled.Status);
            }
        }
    }

    private string NextLeaseId() => string.Concat(_leasePrefix, Interlocked.Increment(ref _lastLease).ToString(CultureInfo.InvariantCulture));

    private static InvalidOperationException Refused(string lease) =>
        new($"The reservation {lease} was refused: the benchmark's budgets must never refuse.");

    private static InvalidOperationException NotSettled(string lease, SettlementStatus status) =>
        new($"The commit of {lease} returned {status}, not Settled.");
}
