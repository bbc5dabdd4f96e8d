using System.Runtime.CompilerServices;
using AgentGuard.Http.Ledgers;
using AgentGuard.Http.Postgres.Internal;
using AgentGuard.Http.Postgres.Sql;
using Npgsql;
using static AgentGuard.Http.Postgres.Internal.Parameters;

namespace AgentGuard.Http.Postgres;

// Group commit: a batch of reservations, settlements and extensions in one transaction.
public sealed partial class PostgresBudgetLedger
{
    // The statements before the operations' own: the leases locked, then the pools.
    private const int LockStatements = 2;

    /// <summary>
    /// Runs a batch. A batch of one runs as the operation always ran alone. A larger one is one transaction: one round
    /// trip locks the leases it settles or extends (by id), then every pool it writes (by key), and runs each operation's
    /// own statement (the same statements as alone, so the same checks); refusals to count take a second round trip in
    /// the same transaction; the commit flushes once for all. One operation's statement that fails (an error that is no
    /// store failure) aborts the transaction, which then runs again without it, and it runs alone afterwards, so it
    /// fails alone. An operation whose statement was inconclusive (due leases to charge first, a pool to create, a lease
    /// whose state changed) runs alone after the commit, as it would have alone. A store failure (a lost connection, a
    /// deadlock, a timeout) fails the whole batch: the retry policy repeats each operation under its lease id.
    /// </summary>
    private async ValueTask ExecuteBatchAsync(IReadOnlyList<LedgerOperation> batch, bool async)
    {
        if (batch.Count == 1)
        {
            await RunAloneAsync(batch[0], async).ConfigureAwait(false);
            return;
        }

        var together = new List<LedgerOperation>(batch);
        var alone = new List<LedgerOperation>();
        while (together.Count > 0)
        {
            var failed = await RunTogetherAsync(together, alone, async).ConfigureAwait(false);
            if (failed is null)
            {
                break;
            }

            together.Remove(failed);
            alone.Add(failed);
        }

        foreach (var operation in alone)
        {
            try
            {
                await RunAloneAsync(operation, async).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // This operation alone fails: its caller gets the error (and its retry policy decides).
            catch (Exception ex)
#pragma warning restore CA1031
            {
                operation.SetFailed(ex);
            }
        }
    }

    /// <summary>
    /// Runs the operations in one transaction. Returns the operation whose statement failed (the transaction rolled
    /// back: nothing of it stands), or null once committed; the inconclusive ones are added to <paramref name="alone"/>.
    /// </summary>
    private async ValueTask<LedgerOperation?> RunTogetherAsync(List<LedgerOperation> operations, List<LedgerOperation> alone, bool async)
    {
        var connection = await OpenAsync(async, CancellationToken.None).ConfigureAwait(false);
        try
        {
            var transaction = async ? await connection.BeginTransactionAsync().ConfigureAwait(false) : connection.BeginTransaction();
            await using var _ = transaction.ConfigureAwait(false);
            var toCount = new List<(LedgerOperation Operation, string Key)>();
            using (var batch = BatchOf(operations))
            {
                var reading = new StrongBox<int>(-1);
                try
                {
                    await ReadBatchAsync(connection, batch, operations, alone, toCount, reading, async).ConfigureAwait(false);
                }
                catch (PostgresException ex) when (!IsTransient(ex) && FailedOperation(batch, ex, reading.Value, operations.Count) is int failed)
                {
                    // The transaction is aborted: undo it, and run again without the operation whose statement failed.
                    alone.Clear();
                    return operations[failed];
                }
            }

            if (toCount.Count > 0)
            {
                await CountRefusalsAsync(connection, toCount, async).ConfigureAwait(false);
            }

            if (async)
            {
                await transaction.CommitAsync().ConfigureAwait(false);
            }
            else
            {
                transaction.Commit();
            }

            return null;
        }
        finally
        {
            await Db.CloseAsync(connection, async).ConfigureAwait(false);
        }
    }

    /// <summary>The operation whose statement raised the error: the one Npgsql names, or else the one being read; null for a lock statement.</summary>
    private static int? FailedOperation(NpgsqlBatch batch, PostgresException error, int reading, int operations)
    {
        int failed = error.BatchCommand is { } command ? batch.BatchCommands.IndexOf(command) - LockStatements : reading;
        return failed >= 0 && failed < operations ? failed : null;
    }

    /// <summary>The locks in their fixed order, then each operation's own statement (every one returns rows: one result set each).</summary>
    private NpgsqlBatch BatchOf(List<LedgerOperation> operations)
    {
        var poolKeys = new List<string>();
        var leaseIds = new List<string>();
        foreach (var operation in operations)
        {
            if (operation.Kind == LedgerOperationKind.Reserve)
            {
                foreach (var pool in operation.Reservation!.Pools)
                {
                    poolKeys.Add(pool.Key);
                }
            }
            else
            {
                leaseIds.Add(operation.LeaseId);
            }
        }

        var batch = Db.Batch(
            Db.Statement(_sql.LockLeases, Value(leaseIds.ToArray())),
            Db.Statement(_sql.LockPools, Value(poolKeys.ToArray()), Value(leaseIds.ToArray())));
        foreach (var operation in operations)
        {
            batch.BatchCommands.Add(operation.Kind switch
            {
                LedgerOperationKind.Reserve when operation.Reservation!.Pools.Count == 1 => ReserveOnePool(operation.Reservation),
                LedgerOperationKind.Reserve => ReserveSeveralPools(operation.Reservation!, checkDue: true),
                LedgerOperationKind.Settle => SettleStatement(operation.Settlement!, checkDue: true),
                _ => Db.Statement(_sql.ExtendReturning, Value(operation.LeaseId), Duration(operation.LeaseDuration)),
            });
        }

        return batch;
    }

    /// <summary>Reads each operation's result set and gives it its outcome, or queues it to run alone, or to have its refusal counted.</summary>
    private static async ValueTask ReadBatchAsync(
        NpgsqlConnection connection,
        NpgsqlBatch batch,
        List<LedgerOperation> operations,
        List<LedgerOperation> alone,
        List<(LedgerOperation Operation, string Key)> toCount,
        StrongBox<int> reading,
        bool async)
    {
        batch.Connection = connection;
        var reader = async ? await batch.ExecuteReaderAsync().ConfigureAwait(false) : batch.ExecuteReader();
        try
        {
            // The lock statements' rows are not needed.
            for (int i = 0; i < LockStatements; i++)
            {
                await NextResultAsync(reader, async).ConfigureAwait(false);
            }

            for (int index = 0; index < operations.Count; index++)
            {
                // An error surfaces while its statement's result set is reached or read.
                reading.Value = index;
                var operation = operations[index];
                switch (operation.Kind)
                {
                    case LedgerOperationKind.Reserve when operation.Reservation!.Pools.Count == 1:
                        var one = (await ReadAsync(reader, ReservationRow.ReadOnePool, async).ConfigureAwait(false))[0];
                        if (one.Due || one.Pool is not { } pool)
                        {
                            alone.Add(operation);
                        }
                        else if (one.Granted || one.KnownState is not null)
                        {
                            operation.SetReserved(new ReservationResult(one.Granted || one.KnownState == ActiveLease, pool));
                        }
                        else if (operation.Reservation.CountRefusal)
                        {
                            toCount.Add((operation, pool.Key));
                        }
                        else
                        {
                            operation.SetReserved(new ReservationResult(false, pool));
                        }

                        break;

                    case LedgerOperationKind.Reserve:
                        var several = (await ReadAsync(reader, ReservationRow.ReadSeveralPools, async).ConfigureAwait(false))[0];
                        if (several.Due || several.Pool is null || (several.KnownState is null && !several.Complete))
                        {
                            alone.Add(operation);
                        }
                        else
                        {
                            operation.SetReserved(several.ToResult());
                        }

                        break;

                    case LedgerOperationKind.Settle:
                        var settled = Conclude(await ReadAsync(reader, SettlementRow.Read, async).ConfigureAwait(false));
                        if (settled is { } result)
                        {
                            operation.SetSettled(result);
                        }
                        else
                        {
                            alone.Add(operation);
                        }

                        break;

                    default:
                        operation.SetExtended((await ReadAsync(reader, static r => true, async).ConfigureAwait(false)).Count > 0);
                        break;
                }

                reading.Value = index + 1;
                await NextResultAsync(reader, async).ConfigureAwait(false);
            }
        }
        finally
        {
            // Closing the reader consumes what is left, surfacing the errors of the statements not read.
            if (async)
            {
                await reader.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                reader.Dispose();
            }
        }
    }

    /// <summary>Counts the refusals of single-pool reservations, in the batch's transaction (their pools are locked by it).</summary>
    private async ValueTask CountRefusalsAsync(NpgsqlConnection connection, List<(LedgerOperation Operation, string Key)> toCount, bool async)
    {
        using var batch = new NpgsqlBatch();
        foreach (var (_, key) in toCount)
        {
            batch.BatchCommands.Add(Db.Statement(_sql.CountRefusal, Value(key)));
        }

        batch.Connection = connection;
        var reader = async ? await batch.ExecuteReaderAsync().ConfigureAwait(false) : batch.ExecuteReader();
        try
        {
            foreach (var (operation, _) in toCount)
            {
                var counted = await ReadAsync(reader, static r => Rows.Pool(r, 0), async).ConfigureAwait(false);
                operation.SetReserved(new ReservationResult(false, counted[0]));
                await NextResultAsync(reader, async).ConfigureAwait(false);
            }
        }
        finally
        {
            if (async)
            {
                await reader.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                reader.Dispose();
            }
        }
    }

    /// <summary>The operation in a transaction of its own, as it ran before group commit.</summary>
    private async ValueTask RunAloneAsync(LedgerOperation operation, bool async)
    {
        switch (operation.Kind)
        {
            case LedgerOperationKind.Reserve:
                operation.SetReserved(await ReserveAloneAsync(operation.Reservation!, async, CancellationToken.None).ConfigureAwait(false));
                break;

            case LedgerOperationKind.Settle:
                operation.SetSettled(await SettleAloneAsync(operation.Settlement!, async, CancellationToken.None).ConfigureAwait(false));
                break;

            default:
                operation.SetExtended(await ExtendAloneAsync(operation.LeaseId, operation.LeaseDuration, async, CancellationToken.None).ConfigureAwait(false));
                break;
        }
    }

    private NpgsqlBatchCommand ReserveOnePool(ReservationRequest request) =>
        Db.Statement(
            _sql.ReserveOnePool,
            Value(request.LeaseId), Value(request.Pools[0].Key), Value(request.AmountMicros), Duration(request.LeaseDuration), Text(request.Model), Text(request.Provider));

    private static async ValueTask<List<T>> ReadAsync<T>(NpgsqlDataReader reader, Func<NpgsqlDataReader, T> map, bool async)
    {
        var rows = new List<T>();
        while (async ? await reader.ReadAsync().ConfigureAwait(false) : reader.Read())
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    private static async ValueTask NextResultAsync(NpgsqlDataReader reader, bool async) =>
        _ = async ? await reader.NextResultAsync().ConfigureAwait(false) : reader.NextResult();
}
