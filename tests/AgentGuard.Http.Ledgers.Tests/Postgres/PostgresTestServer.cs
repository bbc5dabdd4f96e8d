using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
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
    private const string DefaultUser = "agentguard-pg";

    private static readonly Lazy<Task<PostgresTestServer>> s_shared = new(StartSharedAsync);

    private PostgresTestServer(string directory, int port)
    {
        Directory = directory;
        Port = port;
    }

    public string Directory { get; }

    public int Port { get; }

    private string DataDirectory => Path.Combine(Directory, "data");

    private static string? InitDb { get; } = FindOnPath("initdb");

    private static string? PgCtl { get; } = FindOnPath("pg_ctl");

    private static string User => Environment.GetEnvironmentVariable("AGENTGUARD_PG_USER") is { Length: > 0 } user ? user : DefaultUser;

    /// <summary>Skips the test when PostgreSQL cannot be run here, or fails it when the environment requires the servers (CI).</summary>
    public static void SkipUnlessAvailable()
    {
        string? reason = InitDb is null || PgCtl is null ? "PostgreSQL's initdb and pg_ctl are not on the PATH"
            : Environment.IsPrivilegedProcess && !UserExists(User) ? $"running as root needs the user '{User}' to run PostgreSQL (useradd --system --create-home {User})"
            : null;
        if (reason is null)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("AGENTGUARD_REQUIRE_SERVICES") == "1")
        {
            Assert.Fail(reason + ", and AGENTGUARD_REQUIRE_SERVICES=1 requires it.");
        }

        Assert.Skip(reason + ".");
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
        var server = new PostgresTestServer(directory, FreePort());
        try
        {
            if (Environment.IsPrivilegedProcess)
            {
                await RunAsync("chown", ["-R", User, directory], asUser: false);
            }

            await RunAsync(InitDb!, ["-D", server.DataDirectory, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync"]);
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
    public Task StartAgainAsync() => RunAsync(PgCtl!, [
        "-D", DataDirectory, "-l", Path.Combine(Directory, "server.log"), "-w", "-t", "60",
        "-o", $"-p {Port} -k {Directory} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c max_connections=400",
        "start"]);

    /// <summary>
    /// Stops the server: <c>immediate</c> is a crash (no checkpoint, every backend killed: recovery replays the WAL on
    /// the next start), <c>fast</c> a clean shutdown.
    /// </summary>
    public Task StopAsync(string mode = "immediate") => RunAsync(PgCtl!, ["-D", DataDirectory, "-m", mode, "-w", "stop"]);

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
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
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

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, bool asUser = true)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asUser && Environment.IsPrivilegedProcess)
        {
            start.FileName = "runuser";
            foreach (string argument in (string[])["-u", User, "--", program])
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start.FileName = program;
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output} {await error}");
        }
    }

    private static bool UserExists(string user) =>
        File.Exists("/etc/passwd") && File.ReadLines("/etc/passwd").Any(line => line.StartsWith(user + ":", StringComparison.Ordinal));

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
