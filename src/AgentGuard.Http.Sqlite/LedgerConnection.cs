using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace AgentGuard.Http.Sqlite;

/// <summary>
/// An open connection with its commands kept prepared: each statement is compiled once per connection instead of once
/// per operation. Used by one operation at a time.
/// </summary>
internal sealed class LedgerConnection(SqliteConnection connection) : IDisposable
{
    // Statement texts are constants (or strings built once per ledger), so their references identify them cheaply.
    private readonly Dictionary<string, SqliteCommand> _commands = new(ReferenceEqualityComparer.Instance);

    /// <summary>Whether a transaction is open (SQLite rolls one back by itself after some errors: a full disk, an I/O error).</summary>
    public bool InTransaction => raw.sqlite3_get_autocommit(connection.Handle) == 0;

    /// <summary>Whether a failed transaction could not be rolled back: the connection is then closed, not reused.</summary>
    public bool Broken { get; set; }

    /// <summary>The command for <paramref name="sql"/>, prepared on first use, with no parameters bound.</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }

        command.Parameters.Clear();
        return command;
    }

    /// <summary>
    /// <c>BEGIN IMMEDIATE</c>, run by SQLite itself: a busy file is waited for by SQLite's busy handler (the
    /// connection's <c>busy_timeout</c>, in steps of 1 to 100 ms) and then fails with SQLITE_BUSY, instead of going
    /// through Microsoft.Data.Sqlite's retry loop, which sleeps 150 ms at a time until a timeout in whole seconds.
    /// </summary>
    public void BeginImmediate()
    {
        int rc = raw.sqlite3_exec(connection.Handle, "BEGIN IMMEDIATE;");
        SqliteException.ThrowExceptionForRC(rc, connection.Handle);
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
        connection.Dispose();
    }
}
