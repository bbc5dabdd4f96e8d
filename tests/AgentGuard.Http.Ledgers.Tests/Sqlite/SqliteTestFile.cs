namespace AgentGuard.Http.Ledgers.Tests.Sqlite;

/// <summary>A database path in a private temporary directory, deleted with everything in it at the end.</summary>
internal sealed class SqliteTestFile : IDisposable
{
    public SqliteTestFile()
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "agentguard-sqlite-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public string Path => System.IO.Path.Combine(Directory, "budget.db");

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A ledger created through DI is never disposed; its files go with the temp directory's next cleanup.
        }
    }
}
