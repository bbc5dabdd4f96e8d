using FsCheck;
using FsCheck.Fluent;

namespace AgentGuard.Http.Ledgers.Tests.Contract;

/// <summary>
/// A property test of the ledger as a state machine: random sequences of reserve, commit, release, extend, reset,
/// "crash" (a caller that forgets its lease) and expiry run against the ledger and against a simple model. After every
/// step, each pool's spent and reserved amounts equal the model's, <c>spent + reserved &lt;= limit</c>, and reserved is
/// the sum of the active leases.
/// </summary>
public abstract partial class LedgerContractTests
{
    private static readonly long[] s_limits = [1_000, 600, 2_000];

    private enum OpKind
    {
        Reserve,
        Commit,
        Release,
        Extend,
        Reset,
        Crash,
        Expire,
    }

    private sealed record Op(OpKind Kind, int Lease, int PoolMask, long Amount, int Pool);

    [Fact]
    public void StateMachine_MatchesTheModel_AndKeepsTheInvariantsAfterEveryStep()
    {
        var kinds = FastExpiry ? Enum.GetValues<OpKind>() : [.. Enum.GetValues<OpKind>().Where(k => k != OpKind.Expire)];
        var op = from kind in Gen.Elements(kinds)
                 from lease in Gen.Choose(0, 7)
                 from mask in Gen.Choose(1, 7)
                 from amount in Gen.Choose(0, 700)
                 from pool in Gen.Choose(0, 2)
                 select new Op(kind, lease, mask, amount, pool);
        var runs = 0;
        Prop.ForAll(Arb.From(Gen.ListOf(op).Select(l => l.Take(40).ToList())), ops =>
        {
            runs++;
            RunAgainstModel($"sm{runs}", ops);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(FastExpiry ? 60 : 25));

        Assert.True(runs >= 25);
    }

    private void RunAgainstModel(string run, IReadOnlyList<Op> ops)
    {
        var pools = s_limits.Select((limit, i) => new BudgetPool($"{Budget}{run}/p:{i}", limit)).ToArray();
        var model = pools.Select(p => new ModelPool(p.LimitMicros)).ToArray();
        var leases = new Dictionary<int, ModelLease>();
        int generation = 0, crashed = 0;
        foreach (var op in ops)
        {
            string id = $"{run}-{op.Lease}-{generation}";
            leases.TryGetValue(op.Lease, out var lease);
            switch (op.Kind)
            {
                case OpKind.Reserve when lease is null || lease.State != LeaseState.Active:
                    var chosen = Enumerable.Range(0, pools.Length).Where(i => (op.PoolMask & (1 << i)) != 0).ToArray();
                    generation++;
                    id = $"{run}-{op.Lease}-{generation}";
                    bool fits = chosen.All(i => model[i].Spent + model[i].Reserved + op.Amount <= model[i].Limit);
                    var result = Ledger.Reserve(new ReservationRequest(Key(id), [.. chosen.Select(i => pools[i])], op.Amount, FastExpiry ? ShortLease : LongLease));
                    Assert.Equal(fits, result.Granted);
                    if (fits)
                    {
                        foreach (int i in chosen)
                        {
                            model[i].Reserved += op.Amount;
                        }

                        leases[op.Lease] = new ModelLease(id, chosen, op.Amount, [.. chosen.Select(i => model[i].Epoch)]);
                    }

                    break;

                case OpKind.Commit or OpKind.Release when lease is not null && lease.State != LeaseState.Settled:
                    // Callers never settle above their reservation here, so the invariant must hold throughout.
                    long actual = op.Kind == OpKind.Release ? 0 : Math.Min(op.Amount, lease.Amount);
                    var settled = op.Kind == OpKind.Release ? Ledger.Release(Key(lease.Id)) : Ledger.Commit(Key(lease.Id), actual);
                    Assert.Equal(lease.State == LeaseState.Active ? SettlementStatus.Settled : SettlementStatus.SettledAfterExpiry, settled.Status);
                    for (int n = 0; n < lease.Pools.Length; n++)
                    {
                        var pool = model[lease.Pools[n]];
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
                    break;

                case OpKind.Extend when lease is not null:
                    Assert.Equal(lease.State == LeaseState.Active, Ledger.Extend(Key(lease.Id), FastExpiry ? ShortLease : LongLease));
                    break;

                case OpKind.Reset:
                    Ledger.Reset(pools[op.Pool].Key);
                    model[op.Pool].Spent = 0;
                    model[op.Pool].Epoch++;
                    break;

                case OpKind.Crash when lease is not null && lease.State == LeaseState.Active:
                    // The caller dies: its lease is forgotten here and must be charged when it expires.
                    leases.Remove(op.Lease);
                    leases[1_000 + crashed++] = lease;
                    break;

                case OpKind.Expire:
                    LetShortLeaseExpireAsync().AsTask().GetAwaiter().GetResult();
                    foreach (var active in leases.Values.Where(l => l.State == LeaseState.Active))
                    {
                        active.State = LeaseState.Expired;
                        active.ExpiredEpochs = [.. active.Pools.Select(i => model[i].Epoch)];
                        foreach (int i in active.Pools)
                        {
                            model[i].Reserved -= active.Amount;
                            model[i].Spent += active.Amount;
                        }
                    }

                    break;
            }

            for (int i = 0; i < pools.Length; i++)
            {
                var state = Ledger.GetState(pools[i]);
                Assert.Equal((model[i].Spent, model[i].Reserved), (state.SpentMicros, state.ReservedMicros));
                Assert.True(state.SpentMicros + state.ReservedMicros <= state.LimitMicros, $"{state.Key}: {state.SpentMicros} + {state.ReservedMicros} > {state.LimitMicros}");
                Assert.Equal(leases.Values.Where(l => l.State == LeaseState.Active && l.Pools.Contains(i)).Sum(l => l.Amount), state.ReservedMicros);
            }
        }
    }

    private enum LeaseState
    {
        Active,
        Expired,
        Settled,
    }

    private sealed class ModelPool(long limit)
    {
        public long Limit { get; } = limit;

        public long Spent { get; set; }

        public long Reserved { get; set; }

        public int Epoch { get; set; }
    }

    private sealed class ModelLease(string id, int[] pools, long amount, int[] epochs)
    {
        public string Id { get; } = id;

        public int[] Pools { get; } = pools;

        public long Amount { get; } = amount;

        public int[] ReservedEpochs { get; } = epochs;

        public LeaseState State { get; set; }

        public int[]? ExpiredEpochs { get; set; }

        public ModelLease Copy() => new(Id, Pools, Amount, ReservedEpochs) { State = State, ExpiredEpochs = ExpiredEpochs };
    }
}
