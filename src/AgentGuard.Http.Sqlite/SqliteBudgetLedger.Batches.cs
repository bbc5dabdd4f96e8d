using AgentGuard.Http.Ledgers;
using Microsoft.Data.Sqlite;

namespace AgentGuard.Http.Sqlite;

public sealed partial class SqliteBudgetLedger
{
    private const string SavepointOperation = "SAVEPOINT operation;";
    private const string ReleaseOperation = "RELEASE operation;";
    private const string RollbackOperation = "ROLLBACK TO operation; RELEASE operation;";
    private const string UpdatePoolAmounts = """
        UPDATE pools SET spent_micros = $spent, reserved_micros = $reserved, refused_calls = $refused WHERE key = $key;
        """;
    private const string InsertPoolWithAmounts = """
        INSERT INTO pools (key, limit_micros, spent_micros, reserved_micros, refused_calls) VALUES ($key, $limit, $spent, $reserved, $refused);
        """;

    /// <summary>
    /// Runs a batch of reservations, settlements and extensions in one <c>BEGIN IMMEDIATE</c> transaction: expiry is
    /// applied once, each pool is read once and written once, and each operation runs in a savepoint of its own, so
    /// that one that fails is undone alone and the others commit. The transaction commits (one flush) before any
    /// caller sees its outcome. Microsoft.Data.Sqlite's asynchronous API runs synchronously, so both of the batcher's
    /// queues run their batches on the synchronous API.
    /// </summary>
    private ValueTask ExecuteBatchAsync(IReadOnlyList<LedgerOperation> batch, bool async)
    {
        int settlements = 0;
        foreach (var operation in batch)
        {
            settlements += operation.Kind == LedgerOperationKind.Settle ? 1 : 0;
        }

        bool prune = settlements > 0 && PruneIsDue(settlements);
        Write((ledger: this, batch, prune), static (tx, state) => state.ledger.RunBatch(tx, state.batch, state.prune));
        return ValueTask.CompletedTask;
    }

    private bool RunBatch(LedgerTransaction tx, IReadOnlyList<LedgerOperation> batch, bool prune)
    {
        SyncPath.Complete(SweepAsync(tx));
        var pools = new BatchPools();
        foreach (var operation in batch)
        {
            tx.Command(SavepointOperation).Run();
            try
            {
                switch (operation.Kind)
                {
                    case LedgerOperationKind.Reserve:
                        var reserved = Reserve(tx, pools, operation.Reservation!);
                        tx.Command(ReleaseOperation).Run();
                        pools.Keep();
                        operation.SetReserved(reserved);
                        break;

                    case LedgerOperationKind.Settle:
                        var settled = Settle(tx, pools, operation.Settlement!);
                        tx.Command(ReleaseOperation).Run();
                        pools.Keep();
                        operation.SetSettled(settled);
                        break;

                    default:
                        bool extended = Extend(tx, operation.LeaseId, operation.LeaseDuration);
                        tx.Command(ReleaseOperation).Run();
                        operation.SetExtended(extended);
                        break;
                }
            }
#pragma warning disable CA1031 // This operation alone fails: its caller gets the error, the others of the batch commit.
            catch (Exception ex) when (ex is not SqliteException || tx.Connection.InTransaction)
#pragma warning restore CA1031
            {
                // What it wrote is undone; what it changed in the batch's copy of the pools is dropped.
                tx.Command(RollbackOperation).Run();
                pools.Discard();
                operation.SetFailed(ex);
            }
        }

        pools.Write(tx);
        if (prune)
        {
            SyncPath.Complete(ForgetFinishedLeasesAsync(tx));
        }

        return true;
    }

    /// <summary>Whether the finished leases are due for pruning, once every <see cref="SqliteLedgerDefaults.PruneEverySettlements"/> settlements.</summary>
    private bool PruneIsDue(int settlements)
    {
        int after = Interlocked.Add(ref _settlementsSincePrune, settlements);
        return after / SqliteLedgerDefaults.PruneEverySettlements != (after - settlements) / SqliteLedgerDefaults.PruneEverySettlements;
    }

    /// <summary>
    /// The pools a batch works on, each read once (inside the transaction, after expiry was applied) and written once at
    /// its end. An operation's changes are kept when it succeeds (<see cref="Keep"/>) and dropped when its savepoint is
    /// rolled back (<see cref="Discard"/>).
    /// </summary>
    private sealed class BatchPools
    {
        private const string SelectPoolRow = "SELECT limit_micros, spent_micros, reserved_micros, refused_calls, epoch FROM pools WHERE key = $key;";

        private readonly Dictionary<string, PoolRow> _pools = new(StringComparer.Ordinal);
        private readonly List<PoolRow> _touched = [];

        /// <summary>The pool, created with its seed limit (when the batch commits) if it does not exist yet.</summary>
        public PoolRow GetOrCreate(LedgerTransaction tx, BudgetPool pool) =>
            Get(tx, pool.Key) ?? Add(new PoolRow(pool.Key, pool.LimitMicros, 0, 0, 0, 0) { IsNew = true });

        /// <summary>The pool, or null when it does not exist.</summary>
        public PoolRow? Get(LedgerTransaction tx, string key)
        {
            if (_pools.TryGetValue(key, out var known))
            {
                return Touch(known);
            }

            using var reader = tx.Command(SelectPoolRow).With("$key", key).ExecuteReader();
            return reader.Read()
                ? Add(new PoolRow(key, reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)))
                : null;
        }

        /// <summary>Keeps what the operation changed.</summary>
        public void Keep()
        {
            foreach (var pool in _touched)
            {
                pool.Keep();
            }

            _touched.Clear();
        }

        /// <summary>Drops what the operation changed (and the pools it would have created).</summary>
        public void Discard()
        {
            foreach (var pool in _touched)
            {
                pool.Discard();
                if (pool.IsNew && !pool.Kept)
                {
                    _pools.Remove(pool.Key);
                }
            }

            _touched.Clear();
        }

        /// <summary>Writes every pool the batch changed or created.</summary>
        public void Write(LedgerTransaction tx)
        {
            foreach (var pool in _pools.Values)
            {
                if (pool.IsNew)
                {
                    tx.Command(InsertPoolWithAmounts)
                        .With("$key", pool.Key).With("$limit", pool.Limit).With("$spent", pool.Spent).With("$reserved", pool.Reserved).With("$refused", pool.Refused)
                        .Run();
                }
                else if (pool.Dirty)
                {
                    tx.Command(UpdatePoolAmounts)
                        .With("$key", pool.Key).With("$spent", pool.Spent).With("$reserved", pool.Reserved).With("$refused", pool.Refused)
                        .Run();
                }
            }
        }

        private PoolRow Add(PoolRow pool)
        {
            _pools.Add(pool.Key, pool);
            return Touch(pool);
        }

        private PoolRow Touch(PoolRow pool)
        {
            if (pool.Begin())
            {
                _touched.Add(pool);
            }

            return pool;
        }
    }

    /// <summary>A pool as a batch sees it: the amounts after the operations so far, and those kept before the current one.</summary>
    private sealed class PoolRow(string key, long limit, long spent, long reserved, long refused, long epoch)
    {
        private (long Spent, long Reserved, long Refused) _kept = (spent, reserved, refused);
        private bool _inOperation;

        public string Key { get; } = key;

        public long Limit { get; } = limit;

        public long Epoch { get; } = epoch;

        public long Spent { get; set; } = spent;

        public long Reserved { get; set; } = reserved;

        public long Refused { get; set; } = refused;

        /// <summary>Not in the file yet: inserted when the batch commits.</summary>
        public bool IsNew { get; init; }

        /// <summary>Whether an operation that used it succeeded (a new pool is then kept even if a later one fails).</summary>
        public bool Kept { get; private set; }

        /// <summary>Whether its amounts changed since it was read.</summary>
        public bool Dirty { get; private set; }

        public BudgetPoolState State => new(Key, Limit, Spent, Reserved) { RefusedCalls = Refused };

        /// <summary>Marks the start of an operation's use; false when it was already in use by that operation.</summary>
        public bool Begin()
        {
            if (_inOperation)
            {
                return false;
            }

            _inOperation = true;
            return true;
        }

        public void Keep()
        {
            Dirty |= (Spent, Reserved, Refused) != _kept;
            _kept = (Spent, Reserved, Refused);
            Kept = true;
            _inOperation = false;
        }

        public void Discard()
        {
            (Spent, Reserved, Refused) = _kept;
            _inOperation = false;
        }
    }
}
