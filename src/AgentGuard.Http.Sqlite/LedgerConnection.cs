using Microsoft.Data.Sqlite;

namespace AgentGuard.Http.Sqlite;

/// <summary>
/// An open connection with its commands kept prepared: each statement is compiled once per connection instead of once
/// per operation. Used by one operation at a time.
/// </summary>
internal sealed class LedgerConnection(SqliteConnection connection) : IDisposable
{
    // Statement texts are constants (or strings built once per ledger), so their references identify them cheaply.
    private readonly Dictionary<string, SqliteCommand> _commands = new(ReferenceEqualityComparer.Instance);

    /// <summary>The native connection, for the calls Microsoft.Data.Sqlite does not make the way the ledger needs.</summary>
    public SQLitePCL.sqlite3 Handle => connection.Handle!;

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
