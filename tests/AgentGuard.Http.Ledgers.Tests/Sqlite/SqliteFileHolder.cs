using Microsoft.Data.Sqlite;

namespace AgentGuard.Http.Ledgers.Tests.Sqlite;

/// <summary>Another process's write transaction on the file: the ledger's writers wait for it (up to their busy timeout) until it is released.</summary>
internal sealed class SqliteFileHolder : IDisposable, IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private bool _held = true;

    public SqliteFileHolder(string path)
    {
        _connection = new SqliteConnection($"Data Source={path};Pooling=False");
        _connection.Open();
        using var begin = _connection.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE;";
        begin.ExecuteNonQuery();
    }

    public void Release()
    {
        if (_held)
        {
            _held = false;
            using var rollback = _connection.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            rollback.ExecuteNonQuery();
        }
    }

    public void Dispose()
    {
        Release();
        _connection.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
