using AgentGuard.Http.Ledgers.Tests.Batching;
using FsCheck;
using FsCheck.Fluent;

namespace AgentGuard.Http.Ledgers.Tests.Contract;

/// <summary>
/// The property test of the ledger against the model, with random interleavings of batched operations: rounds of
/// concurrent reservations, commits, releases and extensions (on distinct leases), half of them held so that they
/// share one batch (one store transaction), between sequential resets, crashes and expiries. The ledger may apply a
/// round's operations in any order, since they were concurrent: every round's outcomes must be those of some order of
/// them applied one by one to the model, and after every round each pool's amounts must equal the model's and keep
/// <c>spent + reserved &lt;= limit</c>.
/// </summary>
public abstract partial class LedgerContractTests
{
    /// <summary>
    /// Holds the store so that the operations started next queue behind the first one and share a batch (another
    /// process's write lock, the pools' rows locked, the server's writes paused); null for a ledger that does not batch.
    /// </summary>
    protected virtual ValueTask<IAsyncDisposable?> HoldStoreAsync(IReadOnlyList<BudgetPool> pools) => ValueTask.FromResult<IAsyncDisposable?>(null);

    /// <summary>The ledger's batching statistics, for a ledger that batches.</summary>
    protected virtual LedgerBatchStatistics? BatchStatistics => null;

    private enum RoundKind
    {
        Reserve,
        Commit,
        Release,
        Extend,
    }

    private sealed record RoundOp(RoundKind Kind, int Slot, int PoolMask, long Amount, bool Async);

    private sealed record Round(IReadOnlyList<RoundOp> Ops, bool Held, int Between, int Pool);

    [Fact]
    public async Task BatchedRounds_AreLinearizable_MatchTheModel_AndKeepTheInvariants()
    {
        var op = from kind in Gen.Elements(Enum.GetValues<RoundKind>())
                 from slot in Gen.Choose(0, 5)
                 from mask in Gen.Choose(1, 7)
                 from amount in Gen.Choose(0, 700)
                 from async in Gen.Elements(true, false)
                 select new RoundOp(kind, slot, mask, amount, async);
        var round = from ops in Gen.ListOf(op)
                    from held in Gen.Elements(true, false)
                    from between in Gen.Choose(0, FastExpiry ? 9 : 7)
                    from pool in Gen.Choose(0, 2)
                    select new Round([.. ops.DistinctBy(o => o.Slot).Take(4)], held, between, pool);
        var runs = new List<List<Round>>();
        Prop.ForAll(Arb.From(Gen.ListOf(round).Select(l => l.Take(10).ToList())), rounds => runs.Add(rounds))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(FastExpiry ? 30 : 15));

        // FsCheck's runner is synchronous; the rounds are run here, awaited, one run after the other.
        for (int r = 0; r < runs.Count; r++)
        {
            await RunRoundsAgainstModelAsync($"rd{r}", runs[r]);
        }

        Assert.True(runs.Count >= 15);
    }

    private async Task RunRoundsAgainstModelAsync(string run, IReadOnlyList<Round> rounds)
    {
        var pools = s_limits.Select((limit, i) => new BudgetPool($"{Budget}{run}/p:{i}", limit)).ToArray();
        foreach (var pool in pools)
        {
            await Ledger.GetStateAsync(pool, Ct);
        }

        var model = new RoundModel(pools);
        int generation = 0;
        foreach (var round in rounds)
        {
            // The round's calls, decided before any runs: which lease each names.
            var calls = new List<ModelCall>();
            foreach (var o in round.Ops)
            {
                var lease = model.Slots.GetValueOrDefault(o.Slot);
                switch (o.Kind)
                {
                    case RoundKind.Reserve:
                        string id = lease is { State: LeaseState.Active } ? lease.Id : $"{run}-{o.Slot}-{++generation}";
                        int[] chosen = lease is { State: LeaseState.Active } ? lease.Pools : [.. Enumerable.Range(0, pools.Length).Where(i => (o.PoolMask & (1 << i)) != 0)];
                        calls.Add(new ModelCall(o, id, chosen, lease is { State: LeaseState.Active } ? lease.Amount : o.Amount));
                        break;
                    case RoundKind.Commit or RoundKind.Release or RoundKind.Extend when lease is not null:
                        calls.Add(new ModelCall(o, lease.Id, lease.Pools, Math.Min(o.Amount, lease.Amount)));
                        break;
                }
            }

            bool held = round.Held && calls.Count > 1 && BatchStatistics is not null;
            var observed = await RunRoundAsync(pools, calls, held);
            model = model.Linearize(calls, observed)
                ?? throw new Xunit.Sdk.XunitException($"No order of the round's operations gives what the ledger answered: {string.Join("; ", calls.Zip(observed, (c, o) => $"{c.Op.Kind} {c.Id} {c.Amount} -> {o}"))}");

            // Between rounds, one step that does not run concurrently with others.
            switch (round.Between)
            {
                case 0:
                    await Ledger.ResetAsync(pools[round.Pool].Key, Ct);
                    model.Reset(round.Pool);
                    break;
                case 1:
                    model.Crash(round.Pool);
                    break;
                case 8 or 9:
                    await LetShortLeaseExpireAsync();
                    model.ExpireAll();
                    break;
            }

            for (int i = 0; i < pools.Length; i++)
            {
                var state = await Ledger.GetStateAsync(pools[i], Ct);
                Assert.Equal((model.Pools[i].Spent, model.Pools[i].Reserved), (state.SpentMicros, state.ReservedMicros));
                Assert.True(state.SpentMicros + state.ReservedMicros <= state.LimitMicros, $"{state.Key}: {state.SpentMicros} + {state.ReservedMicros} > {state.LimitMicros}");
            }
        }
    }

    /// <summary>Runs the round's calls concurrently; held, they share one batch behind a first one that waits for the store.</summary>
    private async Task<string[]> RunRoundAsync(BudgetPool[] pools, List<ModelCall> calls, bool held)
    {
        await using var hold = held ? await HoldStoreAsync(pools) : null;
        var before = BatchStatistics;
        var tasks = new List<Task<string>>();
        foreach (var call in calls)
        {
            tasks.Add(Task.Run(() => RunCallAsync(pools, call, async: hold is not null || call.Op.Async), Ct));
            if (hold is not null && tasks.Count == 1)
            {
                // The first leads and waits for the store; the others queue behind it.
                await Waiting.UntilAsync(() => BatchStatistics!.Value.Running == 1, () => $"{BatchStatistics}");
            }
        }

        if (hold is not null)
        {
            await Waiting.UntilAsync(() => BatchStatistics!.Value.Queued == calls.Count - 1, () => $"{BatchStatistics}");
            await hold.DisposeAsync();
        }

        var results = await Task.WhenAll(tasks);
        if (hold is not null)
        {
            Assert.True(BatchStatistics!.Value.LargestBatch >= calls.Count - 1, $"{before} then {BatchStatistics}");
        }

        return results;
    }

    private async Task<string> RunCallAsync(BudgetPool[] pools, ModelCall call, bool async)
    {
        switch (call.Op.Kind)
        {
            case RoundKind.Reserve:
                var request = new ReservationRequest(Key(call.Id), [.. call.Pools.Select(i => pools[i])], call.Amount, FastExpiry ? ShortLease : LongLease);
                return (async ? await Ledger.ReserveAsync(request, Ct) : Ledger.Reserve(request)).Granted ? "granted" : "refused";
            case RoundKind.Commit:
                return (async ? await Ledger.CommitAsync(Key(call.Id), call.Amount, Ct) : Ledger.Commit(Key(call.Id), call.Amount)).Status.ToString();
            case RoundKind.Release:
                return (async ? await Ledger.ReleaseAsync(Key(call.Id), Ct) : Ledger.Release(Key(call.Id))).Status.ToString();
            default:
                var duration = FastExpiry ? ShortLease : LongLease;
                return (async ? await Ledger.ExtendAsync(Key(call.Id), duration, Ct) : Ledger.Extend(Key(call.Id), duration)) ? "extended" : "not extended";
        }
    }

    private sealed record ModelCall(RoundOp Op, string Id, int[] Pools, long Amount);

    /// <summary>The model of the rounds: pools, the lease in each slot, and crashed callers' leases (still charged at expiry).</summary>
    private sealed class RoundModel
    {
        public RoundModel(BudgetPool[] pools)
        {
            Pools = [.. pools.Select(p => new ModelPool(p.LimitMicros))];
        }

        private RoundModel(RoundModel other)
        {
            Pools = [.. other.Pools.Select(p => new ModelPool(p.Limit) { Spent = p.Spent, Reserved = p.Reserved, Epoch = p.Epoch })];
            var copies = other.All.ToDictionary(l => l, l => l.Copy());
            Slots = other.Slots.ToDictionary(kv => kv.Key, kv => copies[kv.Value]);
            Orphans = [.. other.Orphans.Select(l => copies[l])];
        }

        public ModelPool[] Pools { get; }

        public Dictionary<int, ModelLease> Slots { get; } = [];

        public List<ModelLease> Orphans { get; } = [];

        private IEnumerable<ModelLease> All => Slots.Values.Concat(Orphans).Distinct();

        /// <summary>The model after the calls in the first order that gives the observed outcomes; null when none does.</summary>
        public RoundModel? Linearize(List<ModelCall> calls, string[] observed)
        {
            foreach (var order in Permutations(Enumerable.Range(0, calls.Count).ToList()))
            {
                var attempt = new RoundModel(this);
                if (order.All(i => attempt.Apply(calls[i]) == observed[i]))
                {
                    return attempt;
                }
            }

            return null;
        }

        public void Reset(int pool)
        {
            Pools[pool].Spent = 0;
            Pools[pool].Epoch++;
        }

        /// <summary>The caller of a slot's active lease dies: it is forgotten here, and charged when it expires.</summary>
        public void Crash(int slot)
        {
            if (Slots.TryGetValue(slot, out var lease) && lease.State == LeaseState.Active)
            {
                Slots.Remove(slot);
                Orphans.Add(lease);
            }
        }

        public void ExpireAll()
        {
            foreach (var lease in All.Where(l => l.State == LeaseState.Active))
            {
                lease.State = LeaseState.Expired;
                lease.ExpiredEpochs = [.. lease.Pools.Select(i => Pools[i].Epoch)];
                foreach (int i in lease.Pools)
                {
                    Pools[i].Reserved -= lease.Amount;
                    Pools[i].Spent += lease.Amount;
                }
            }
        }

        private string Apply(ModelCall call)
        {
            var lease = All.FirstOrDefault(l => l.Id == call.Id);
            switch (call.Op.Kind)
            {
                case RoundKind.Reserve when lease is not null:
                    // A retried reservation reserves once.
                    return lease.State == LeaseState.Active ? "granted" : "refused";
                case RoundKind.Reserve:
                    if (!call.Pools.All(i => Pools[i].Spent + Pools[i].Reserved + call.Amount <= Pools[i].Limit))
                    {
                        return "refused";
                    }

                    foreach (int i in call.Pools)
                    {
                        Pools[i].Reserved += call.Amount;
                    }

                    Slots[call.Op.Slot] = new ModelLease(call.Id, call.Pools, call.Amount, [.. call.Pools.Select(i => Pools[i].Epoch)]);
                    return "granted";
                case RoundKind.Extend:
                    return lease!.State == LeaseState.Active ? "extended" : "not extended";
                default:
                    if (lease!.State == LeaseState.Settled)
                    {
                        return nameof(SettlementStatus.AlreadySettled);
                    }

                    long actual = call.Op.Kind == RoundKind.Release ? 0 : call.Amount;
                    var status = lease.State == LeaseState.Active ? SettlementStatus.Settled : SettlementStatus.SettledAfterExpiry;
                    for (int n = 0; n < lease.Pools.Length; n++)
                    {
                        var pool = Pools[lease.Pools[n]];
                        if (lease.State == LeaseState.Active)
                        {
                            pool.Reserved -= lease.Amount;
                            pool.Spent += actual;
                        }
                        else
                        {
                            pool.Spent += pool.Epoch == lease.ExpiredEpochs![n] ? actual - lease.Amount : 0;
                        }
                    }

                    lease.State = LeaseState.Settled;
                    return status.ToString();
            }
        }

        private static IEnumerable<List<int>> Permutations(List<int> items)
        {
            if (items.Count <= 1)
            {
                yield return items;
                yield break;
            }

            for (int i = 0; i < items.Count; i++)
            {
                var rest = items.Where((_, n) => n != i).ToList();
                foreach (var tail in Permutations(rest))
                {
                    yield return [items[i], .. tail];
                }
            }
        }
    }
}
