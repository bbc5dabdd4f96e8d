using Microsoft.Extensions.Time.Testing;

namespace AgentGuard.Http.Tests.Ledgers;

public sealed class InMemoryBudgetLedgerConcurrencyTests
{
    private const int Threads = 8;
    private const int OperationsPerThread = 2_000;

    [Fact]
    public void Reserve_ConcurrentRandomOperations_NeverExceedLimitAndSettleExactly()
    {
        var ledger = new InMemoryBudgetLedger(new FakeTimeProvider());
        var pool = new BudgetPool("shared", 2_000_000);
        long committed = 0;
        long granted = 0;
        long refused = 0;
        var violations = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var start = new Barrier(Threads);

        void Check(BudgetPoolState state, string where)
        {
            if (state.SpentMicros + state.ReservedMicros > state.LimitMicros || state.ReservedMicros < 0 || state.SpentMicros < 0)
            {
                violations.Enqueue($"{where}: spent {state.SpentMicros} + reserved {state.ReservedMicros} > limit {state.LimitMicros}");
            }
        }

        void Run(int thread)
        {
            var random = new Random(thread);
            var held = new List<(string Id, long Amount)>();
            start.SignalAndWait(TestContext.Current.CancellationToken);
            for (int i = 0; i < OperationsPerThread; i++)
            {
                int op = held.Count == 0 ? 0 : random.Next(3);
                if (op == 0)
                {
                    string id = $"t{thread}-{i}";
                    long amount = random.Next(1, 5_000);
                    var result = ledger.Reserve(new ReservationRequest(id, [pool], amount, TimeSpan.FromMinutes(10)));
                    Check(result.Pool, "reserve");
                    if (result.Granted)
                    {
                        Interlocked.Increment(ref granted);
                        held.Add((id, amount));
                    }
                    else
                    {
                        Interlocked.Increment(ref refused);
                    }
                }
                else
                {
                    int index = random.Next(held.Count);
                    var (id, amount) = held[index];
                    held.RemoveAt(index);
                    SettlementResult result;
                    if (op == 1)
                    {
                        long actual = random.Next(0, (int)amount + 1);
                        result = ledger.Commit(id, actual);
                        Interlocked.Add(ref committed, actual);
                    }
                    else
                    {
                        result = ledger.Release(id);
                    }

                    if (result.Status != SettlementStatus.Settled)
                    {
                        violations.Enqueue($"{id} settled as {result.Status}");
                    }

                    foreach (var state in result.Pools)
                    {
                        Check(state, "settle");
                    }
                }

                if (i % 16 == 0)
                {
                    Check(ledger.GetState(pool), "state");
                }
            }

            // Settle what is still held, each at its full amount.
            foreach (var (id, amount) in held)
            {
                if (ledger.Commit(id, amount).Status != SettlementStatus.Settled)
                {
                    violations.Enqueue($"{id} was not settled at the end");
                }

                Interlocked.Add(ref committed, amount);
            }
        }

        void RunGuarded(int thread)
        {
            try
            {
                Run(thread);
            }
#pragma warning disable CA1031 // A failure on a worker thread is reported by the test, not by crashing the test host.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                violations.Enqueue($"thread {thread} failed: {ex}");
            }
        }

        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() => RunGuarded(t))).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        var final = ledger.GetState(pool);
        Assert.Empty(violations);
        Assert.Equal(0, final.ReservedMicros);
        Assert.Equal(Interlocked.Read(ref committed), final.SpentMicros);
        Assert.True(final.SpentMicros <= final.LimitMicros);
        Assert.True(granted > 0, "no reservation was granted");
        Assert.True(refused > 0, "the budget never ran short: the limit was not contended");
    }
}
