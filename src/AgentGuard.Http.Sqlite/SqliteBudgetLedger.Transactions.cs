namespace AgentGuard.Http.Sqlite;

public sealed partial class SqliteBudgetLedger
{
    private const string BeginDeferred = "BEGIN;";
    private const string CommitTransaction = "COMMIT;";
    private const string RollbackTransaction = "ROLLBACK;";
    private const string EnableWal = "PRAGMA journal_mode = WAL;";
    private const string ReadSchemaVersion = "PRAGMA user_version;";
    private static readonly string s_createSchema = $"{SqliteLedgerSchema.Create}\nPRAGMA user_version = {SqliteLedgerSchema.Version};";

    /// <summary>
    /// Runs <paramref name="body"/> in one write transaction. <c>BEGIN IMMEDIATE</c> takes the write lock up front: a
    /// deferred transaction that upgrades later fails with SQLITE_BUSY without waiting for the busy timeout.
    /// Microsoft.Data.Sqlite's asynchronous API runs synchronously, so writes are synchronous on both paths, behind a
    /// lock held only while they run: a caller that waits for it waits for synchronous work, never for a continuation
    /// that needs the thread pool.
    /// </summary>
    private ValueTask<T> WriteAsync<TState, T>(TState state, Func<LedgerTransaction, TState, ValueTask<T>> body, bool async, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Write((state, body), static (tx, s) => SyncPath.Complete(s.body(tx, s.state))));
    }

    /// <inheritdoc cref="WriteAsync"/>
    private T Write<TState, T>(TState state, Func<LedgerTransaction, TState, T> body)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_writeGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);

            // One connection writes for this ledger: its page cache stays valid from one write to the next (a
            // connection that did not write must reload the pages another one changed).
            var writer = _writer ??= SyncPath.Complete(RentAsync(async: false, CancellationToken.None));
            try
            {
                return InWriteTransaction(writer, state, body);
            }
            finally
            {
                if (writer.Broken)
                {
                    _writer = null;
                    writer.Dispose();
                }
            }
        }
    }

    private T InWriteTransaction<TState, T>(LedgerConnection connection, TState state, Func<LedgerTransaction, TState, T> body)
    {
        // Begun by SQLite itself, so that a busy file is waited for by SQLite's busy handler (busy_timeout, in steps of
        // 1 to 100 ms), not by Microsoft.Data.Sqlite's retry loop, which sleeps 150 ms at a time until a timeout in
        // whole seconds. A BEGIN that fails (busy) leaves no transaction open: the connection stays usable.
        connection.BeginImmediate();
        try
        {
            // The time is read once the write lock is held, so expiry is judged in the order transactions commit.
            var tx = new LedgerTransaction(connection, NowMs(), async: false, CancellationToken.None);
            var result = body(tx, state);
            if (tx.LastLogEntry != 0)
            {
                SyncPath.Complete(ApplyRetentionAsync(tx));
            }

            connection.Command(CommitTransaction).ExecuteNonQuery();
            return result;
        }
        catch
        {
            connection.Broken = !SyncPath.Complete(TryRollbackAsync(connection, async: false));
            throw;
        }
    }

    /// <summary>
    /// Runs a read-only <paramref name="body"/>; with <paramref name="snapshot"/> its statements see one snapshot (a deferred
    /// transaction, which never blocks the writer in WAL mode).
    /// </summary>
    private async ValueTask<T> ReadAsync<TState, T>(TState state, Func<LedgerTransaction, TState, ValueTask<T>> body, bool snapshot, bool async, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = await RentAsync(async, cancellationToken).ConfigureAwait(false);
        try
        {
            return snapshot
                ? await InTransactionAsync(connection, BeginDeferred, state, body, async, cancellationToken).ConfigureAwait(false)
                : await body(new LedgerTransaction(connection, NowMs(), async, cancellationToken), state).ConfigureAwait(false);
        }
        finally
        {
            _connections.Return(connection, reusable: !connection.Broken);
        }
    }

    private async ValueTask<T> InTransactionAsync<TState, T>(LedgerConnection connection, string begin, TState state, Func<LedgerTransaction, TState, ValueTask<T>> body, bool async, CancellationToken cancellationToken)
    {
        // A BEGIN that fails (busy) leaves no transaction open: the connection stays usable.
        await connection.Command(begin).RunAsync(async, cancellationToken).ConfigureAwait(false);
        try
        {
            // The time is read once the transaction has begun (for a write, once the write lock is held), so expiry is
            // judged in the order transactions commit.
            var result = await body(new LedgerTransaction(connection, NowMs(), async, cancellationToken), state).ConfigureAwait(false);
            await connection.Command(CommitTransaction).RunAsync(async, CancellationToken.None).ConfigureAwait(false);
            return result;
        }
        catch
        {
            connection.Broken = !await TryRollbackAsync(connection, async).ConfigureAwait(false);
            throw;
        }
    }

    private static async ValueTask<bool> TryRollbackAsync(LedgerConnection connection, bool async)
    {
        try
        {
            await connection.Command(RollbackTransaction).RunAsync(async, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
#pragma warning disable CA1031 // The original error is the one to report; a connection that cannot roll back is closed instead.
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }
    }

    private async ValueTask<LedgerConnection> RentAsync(bool async, CancellationToken cancellationToken)
    {
        var connection = await _connections.RentAsync(async, cancellationToken).ConfigureAwait(false);
        if (_schemaReady)
        {
            return connection;
        }

        try
        {
            await EnsureSchemaAsync(connection, async, cancellationToken).ConfigureAwait(false);
            _schemaReady = true;
            return connection;
        }
        catch
        {
            _connections.Return(connection, reusable: false);
            throw;
        }
    }

    /// <summary>Turns on WAL (a property of the file) and creates the tables, once per ledger; concurrent first uses are harmless.</summary>
    private async ValueTask EnsureSchemaAsync(LedgerConnection connection, bool async, CancellationToken cancellationToken)
    {
        await connection.Command(EnableWal).ScalarAsync(async, cancellationToken).ConfigureAwait(false);
        long version = (long)(await connection.Command(ReadSchemaVersion).ScalarAsync(async, cancellationToken).ConfigureAwait(false) ?? 0L);
        if (version > SqliteLedgerSchema.Version)
        {
            throw new InvalidOperationException(
                $"The ledger file {FilePath} has schema version {version}, newer than this AgentGuard.Http.Sqlite ({SqliteLedgerSchema.Version}): update the package.");
        }

        if (version == SqliteLedgerSchema.Version)
        {
            return;
        }

        connection.BeginImmediate();
        try
        {
            // Read again under the write lock: another process may have created or upgraded the file meanwhile.
            version = (long)(await connection.Command(ReadSchemaVersion).ScalarAsync(async, cancellationToken).ConfigureAwait(false) ?? 0L);
            if (version == 0)
            {
                await connection.Command(s_createSchema).RunAsync(async, cancellationToken).ConfigureAwait(false);
            }

            for (; version is > 0 and < SqliteLedgerSchema.Version; version++)
            {
                await connection.Command($"{SqliteLedgerSchema.Upgrades[version]}\nPRAGMA user_version = {version + 1};").RunAsync(async, cancellationToken).ConfigureAwait(false);
            }

            await connection.Command(CommitTransaction).RunAsync(async, CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            await TryRollbackAsync(connection, async).ConfigureAwait(false);
            throw;
        }
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>An expiry time: now plus the duration rounded up to whole milliseconds, saturating instead of overflowing.</summary>
    private static long ExpiryAfter(long now, TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
        {
            return now;
        }

        long milliseconds = (duration.Ticks / TimeSpan.TicksPerMillisecond) + (duration.Ticks % TimeSpan.TicksPerMillisecond == 0 ? 0 : 1);
        return milliseconds > long.MaxValue - now ? long.MaxValue : now + milliseconds;
    }
}
