using Microsoft.Data.Sqlite;

namespace AgentGuard.Http.Sqlite;

/// <summary>What an operation's body works with: the connection in its transaction, the time, and which path it is on.</summary>
/// <param name="connection">The connection.</param>
/// <param name="now">The ledger's clock when the transaction began (Unix milliseconds): every row it writes uses this time.</param>
/// <param name="async">Whether the body runs on the async path.</param>
/// <param name="ct">The caller's cancellation token (none for a batch, which runs to its end for all its callers).</param>
internal sealed class LedgerTransaction(LedgerConnection connection, long now, bool async, CancellationToken ct)
{
    public LedgerConnection Connection => connection;

    public long Now => now;

    public bool Async => async;

    public CancellationToken Ct => ct;

    /// <summary>The newest spend log entry this transaction added (0: none): the retention is applied once, before it commits.</summary>
    public long LastLogEntry { get; set; }

    public SqliteCommand Command(string sql) => connection.Command(sql);
}
