using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace AgentGuard.Http.Sqlite;

/// <summary>
/// The ledger's own open connections. Microsoft.Data.Sqlite's pool is turned off in favour of this one, so that the
/// per-connection pragmas are set once and the prepared statements survive between operations, and so that disposing
/// the ledger really closes the file.
/// </summary>
internal sealed class LedgerConnectionPool(string connectionString, string connectionPragmas) : IDisposable
{
    private readonly ConcurrentQueue<LedgerConnection> _idle = new();
    private int _idleCount;
    private volatile bool _disposed;

    public async ValueTask<LedgerConnection> RentAsync(bool async, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_idle.TryDequeue(out var idle))
        {
            Interlocked.Decrement(ref _idleCount);
            return idle;
        }

        var connection = new SqliteConnection(connectionString);
        var ledgerConnection = new LedgerConnection(connection);
        try
        {
            if (async)
            {
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                connection.Open();
            }

            await ledgerConnection.Command(connectionPragmas).RunAsync(async, cancellationToken).ConfigureAwait(false);
            return ledgerConnection;
        }
        catch
        {
            ledgerConnection.Dispose();
            throw;
        }
    }

    /// <summary>Takes a connection back; one that failed mid-transaction (<paramref name="reusable"/> false) is closed instead.</summary>
    public void Return(LedgerConnection connection, bool reusable)
    {
        if (!reusable || _disposed || Interlocked.Increment(ref _idleCount) > SqliteLedgerDefaults.MaxIdleConnections)
        {
            if (reusable && !_disposed)
            {
                Interlocked.Decrement(ref _idleCount);
            }

            connection.Dispose();
            return;
        }

        _idle.Enqueue(connection);
        if (_disposed)
        {
            // Disposed while this connection was being returned: close what is left.
            CloseIdle();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        CloseIdle();
    }

    private void CloseIdle()
    {
        while (_idle.TryDequeue(out var connection))
        {
            connection.Dispose();
        }
    }
}
