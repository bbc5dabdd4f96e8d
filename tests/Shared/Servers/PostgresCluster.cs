using System.Diagnostics;
using System.Globalization;

namespace AgentGuard.Testing.Servers;

/// <summary>
/// A private PostgreSQL (15's <c>initdb</c> and <c>pg_ctl</c> on the PATH) in a directory of its own (the cluster in
/// its <c>data</c> folder, the socket and <c>server.log</c> beside it): trust authentication, listening on 127.0.0.1 at
/// the given port only, <c>fsync=on</c> and <c>synchronous_commit=on</c> (the durable settings). PostgreSQL refuses to
/// run as root: as root, the directory is handed to, and initdb and pg_ctl run as, the user <c>AGENTGUARD_PG_USER</c>
/// names (default <c>agentguard-pg</c>; create it with <c>useradd --system --create-home agentguard-pg</c>).
/// </summary>
/// <param name="directory">An empty directory for the cluster, deleted by the owner.</param>
/// <param name="port">The loopback port to listen on.</param>
/// <param name="maxConnections">The server's <c>max_connections</c>.</param>
/// <param name="commandTimeout">How long initdb or pg_ctl may take before it is killed.</param>
internal sealed class PostgresCluster(string directory, int port, int maxConnections, TimeSpan commandTimeout)
{
    public const string DefaultUser = "agentguard-pg";

    public static string? InitDb { get; } = ServerTools.FindOnPath("initdb");

    public static string? PgCtl { get; } = ServerTools.FindOnPath("pg_ctl");

    /// <summary>The user PostgreSQL runs as when this process is root.</summary>
    public static string User => Environment.GetEnvironmentVariable("AGENTGUARD_PG_USER") is { Length: > 0 } user ? user : DefaultUser;

    public string Directory => directory;

    public int Port => port;

    public string DataDirectory => Path.Combine(directory, "data");

    /// <summary>Whether a postmaster runs (or ran and crashed) on the cluster: its pid file is there.</summary>
    public bool HasPostmaster => File.Exists(PidFile);

    /// <summary>The postmaster's process id, while its pid file is there.</summary>
    public int? PostmasterPid => HasPostmaster ? int.Parse(File.ReadLines(PidFile).First(), CultureInfo.InvariantCulture) : null;

    private string PidFile => Path.Combine(DataDirectory, "postmaster.pid");

    /// <summary>Creates the cluster (as <see cref="User"/> when root: the directory becomes theirs first).</summary>
    public async Task InitAsync()
    {
        string initDb = InitDb ?? throw new InvalidOperationException("PostgreSQL's initdb is not on the PATH.");
        if (Environment.IsPrivilegedProcess)
        {
            await RunAsync("chown", ["-R", User, directory], asUser: false).ConfigureAwait(false);
        }

        await RunAsync(initDb, ["-D", DataDirectory, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync"]).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts the server (again, after a stop) and waits until it accepts connections; <paramref name="settings"/> adds
    /// <c>-c name=value</c> settings.
    /// </summary>
    public Task StartAsync(params IEnumerable<string> settings)
    {
        string options = $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c max_connections={maxConnections}"
            + string.Concat(settings.Select(setting => " -c " + setting));
        return RunAsync(PgCtlOrThrow, ["-D", DataDirectory, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60", "-o", options, "start"]);
    }

    /// <summary>
    /// Stops the server: <c>immediate</c> is a crash (no checkpoint, every backend killed: recovery replays the WAL on
    /// the next start), <c>fast</c> a clean shutdown.
    /// </summary>
    public Task StopAsync(string mode = "immediate") => RunAsync(PgCtlOrThrow, ["-D", DataDirectory, "-m", mode, "-w", "stop"]);

    private static string PgCtlOrThrow => PgCtl ?? throw new InvalidOperationException("PostgreSQL's pg_ctl is not on the PATH.");

    private async Task RunAsync(string program, IReadOnlyList<string> arguments, bool asUser = true)
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
        using var timeout = new CancellationTokenSource(commandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish in {commandTimeout.TotalSeconds:0} s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output.ConfigureAwait(false)} {await error.ConfigureAwait(false)}");
        }
    }
}
