using Microsoft.Data.Sqlite;

namespace AgentGuard.Http.Sqlite;

/// <summary>What an operation's body works with: the connection in its transaction, the time, and which path it is on.</summary>
/// <param name="Connection">The connection.</param>
/// <param name="Now">The ledger's clock when the transaction began (Unix milliseconds): every row it writes uses this time.</param>
/// <param name="Async">Whether the body runs on the async path.</param>
/// <param name="Ct">The caller's cancellation token.</param>
internal readonly record struct LedgerTransaction(LedgerConnection Connection, long Now, bool Async, CancellationToken Ct)
{
    public SqliteCommand Command(string sql) => Connection.Command(sql);
}
