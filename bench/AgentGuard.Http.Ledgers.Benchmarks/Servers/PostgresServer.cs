using System.Diagnostics;

namespace AgentGuard.Http.Ledgers.Benchmarks.Servers;

/// <summary>
/// A private PostgreSQL (15's <c>initdb</c>, <c>pg_ctl</c> and <c>postgres</c> on the PATH): a temporary directory on the
/// disk, a free loopback port, trust authentication, <c>fsync=on</c> and <c>synchronous_commit=on</c> (the durable
/// settings), stopped and deleted when disposed (the shared one when the process exits). PostgreSQL refuses to run as
/// root: as root, it runs as the user <c>AGENTGUARD_PG_USER</c> names (default <c>agentguard-pg</c>; create it with
/// <c>useradd --system --create-home agentguard-pg</c>). <c>AGENTGUARD_BENCH_POSTGRES</c> names an existing server instead.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private static readonly Lazy<PostgresServer> s_shared = new(StartShared);

    private readonly string? _directory;

    private PostgresServer(string connectionString, string? directory)
    {
        ConnectionString = connectionString;
        _directory = directory;
    }

    /// <summary>The one server of this process's benchmarks.</summary>
    public static PostgresServer Shared => s_shared.Value;

    /// <summary>An Npgsql connection string for the <c>postgres</c> database, with a pool big enough for every caller.</summary>
    public string ConnectionString { get; }

    /// <summary>The postmaster's process id, when this process started the server.</summary>
    public int? PostmasterPid => _directory is not null && File.Exists(Path.Combine(DataDirectory, "postmaster.pid"))
        ? int.Parse(File.ReadLines(Path.Combine(DataDirectory, "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture)
        : null;

    private static string User => Environment.GetEnvironmentVariable("AGENTGUARD_PG_USER") is { Length: > 0 } user ? user : "agentguard-pg";

    private string DataDirectory => Path.Combine(_directory!, "data");

    /// <summary>Starts a private server; <paramref name="settings"/> adds <c>-c name=value</c> settings (for profiling).</summary>
    public static PostgresServer Start(params string[] settings)
    {
        string initDb = Tools.Find("initdb") ?? throw new InvalidOperationException("PostgreSQL's initdb is not on the PATH.");
        string pgCtl = Tools.Find("pg_ctl") ?? throw new InvalidOperationException("PostgreSQL's pg_ctl is not on the PATH.");
        int port = Tools.FreePort();
        string directory = Tools.NewDirectory("agentguard-bench-pg-");
        var server = new PostgresServer(
            $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Timeout=10;Command Timeout=60;Maximum Pool Size=64",
            directory);
        try
        {
            if (Environment.IsPrivilegedProcess)
            {
                Run("chown", ["-R", User, directory], asUser: false);
            }

            Run(initDb, ["-D", server.DataDirectory, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync"]);
            string options = $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c max_connections=200"
                + string.Concat(settings.Select(setting => " -c " + setting));
            Run(pgCtl, ["-D", server.DataDirectory, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60", "-o", options, "start"]);
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_directory is null)
        {
            return;
        }

        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")) && Tools.Find("pg_ctl") is { } pgCtl)
        {
            try
            {
                Run(pgCtl, ["-D", DataDirectory, "-m", "immediate", "-w", "stop"]);
            }
            catch (InvalidOperationException)
            {
                // Already stopped.
            }
        }

        Tools.TryDelete(_directory);
    }

    private static PostgresServer StartShared()
    {
        if (Environment.GetEnvironmentVariable("AGENTGUARD_BENCH_POSTGRES") is { Length: > 0 } connectionString)
        {
            return new PostgresServer(connectionString, null);
        }

        var server = Start();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
        return server;
    }

    private static void Run(string program, IReadOnlyList<string> arguments, bool asUser = true)
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
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} did not finish in 2 minutes.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {output.Result} {error.Result}");
        }
    }
}
