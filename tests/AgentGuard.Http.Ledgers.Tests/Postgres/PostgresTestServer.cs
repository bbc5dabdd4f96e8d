using System.Diagnostics;
using AgentGuard.Http.Tests.Shared;
using AgentGuard.Testing.Servers;
using Npgsql;

namespace AgentGuard.Http.Ledgers.Tests.Postgres;

/// <summary>
/// A private PostgreSQL server for the tests: initdb into a temporary directory, a random free loopback port, trust
/// authentication for 127.0.0.1 only, <c>fsync=on</c> and <c>synchronous_commit=on</c> (the durable settings),
/// stopped and deleted when disposed (the shared instance when the test process exits). PostgreSQL refuses to run as
/// root: as root, initdb and pg_ctl run as the user named by AGENTGUARD_PG_USER (default agentguard-pg).
/// </summary>
internal sealed class PostgresTestServer : IAsyncDisposable
{
    private static readonly Lazy<Task<PostgresTestServer>> s_shared = new(StartSharedAsync);

    private readonly PostgresCluster _cluster;

    private PostgresTestServer(string directory, int port)
    {
        _cluster = new PostgresCluster(directory, port, maxConnections: 400, TimeSpan.FromSeconds(90));
    }

    public string Directory => _cluster.Directory;

    public int Port => _cluster.Port;

    private static string User => PostgresCluster.User;

    /// <summary>Skips the test when PostgreSQL cannot be run here, or fails it when the environment requires the servers (CI).</summary>
    public static void SkipUnlessAvailable()
    {
        string? reason = PostgresCluster.InitDb is null || PostgresCluster.PgCtl is null ? "PostgreSQL's initdb and pg_ctl are not on the PATH"
            : Environment.IsPrivilegedProcess && !UserExists(User) ? $"running as root needs the user '{User}' to run PostgreSQL (useradd --system --create-home {User})"
            : null;
        if (reason is null)
        {
            return;
        }

        TestSkip.Because(reason);
    }

    /// <summary>One server for every test that shares it (tests keep apart by budget names or schemas of their own).</summary>
    public static Task<PostgresTestServer> SharedAsync()
    {
        SkipUnlessAvailable();
        return s_shared.Value;
    }

    /// <summary>A server of the test's own, for tests that stop or restart it.</summary>
    public static async Task<PostgresTestServer> StartAsync()
    {
        SkipUnlessAvailable();
        var directory = System.IO.Directory.CreateTempSubdirectory("agentguard-pg-").FullName;
        var server = new PostgresTestServer(directory, ServerTools.FreePort());
        try
        {
            await server._cluster.InitAsync();
            await server.StartAgainAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>A connection string for the server's <c>postgres</c> database (short timeouts: a stopped server fails fast).</summary>
    public string ConnectionString(string? extra = null) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Timeout=3;Command Timeout=30;Maximum Pool Size=40;{extra}";

    /// <summary>Starts the server (again, after a stop) and waits until it accepts connections.</summary>
    public Task StartAgainAsync() => _cluster.StartAsync();

    /// <summary>
    /// Stops the server: <c>immediate</c> is a crash (no checkpoint, every backend killed: recovery replays the WAL on
    /// the next start), <c>fast</c> a clean shutdown.
    /// </summary>
    public Task StopAsync(string mode = "immediate") => _cluster.StopAsync(mode);

    /// <summary>The database's clock.</summary>
    public async Task<DateTimeOffset> NowAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT clock_timestamp()", connection);
        return new DateTimeOffset((DateTime)(await command.ExecuteScalarAsync())!);
    }

    /// <summary>Waits, polling the database's clock, until <paramref name="duration"/> has passed by it.</summary>
    public async Task LetDatabaseTimePassAsync(TimeSpan duration)
    {
        var deadline = await NowAsync() + duration;
        var giveUp = Stopwatch.StartNew();
        while (await NowAsync() <= deadline)
        {
            Assert.True(giveUp.Elapsed < duration + TimeSpan.FromSeconds(30), "The database's clock did not advance.");
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>Runs SQL on the server outside any ledger (to look at the tables as they are, or to set them up).</summary>
    public async Task<object?> ScalarAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return await command.ExecuteScalarAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster.HasPostmaster)
        {
            try
            {
                await StopAsync();
            }
            catch (InvalidOperationException)
            {
                // Already stopped: nothing to stop.
            }
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A temporary directory left behind is harmless.
        }
    }

    private static async Task<PostgresTestServer> StartSharedAsync()
    {
        var server = await StartAsync();

        // The process's end stops the shared server (tests may still hold pooled connections to it until then).
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }

    private static bool UserExists(string user) =>
        File.Exists("/etc/passwd") && File.ReadLines("/etc/passwd").Any(line => line.StartsWith(user + ":", StringComparison.Ordinal));
}
