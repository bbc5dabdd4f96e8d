using AgentGuard.Testing.Servers;

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

    private readonly PostgresCluster? _cluster;

    private PostgresServer(string connectionString, PostgresCluster? cluster)
    {
        ConnectionString = connectionString;
        _cluster = cluster;
    }

    /// <summary>The one server of this process's benchmarks.</summary>
    public static PostgresServer Shared => s_shared.Value;

    /// <summary>An Npgsql connection string for the <c>postgres</c> database, with a pool big enough for every caller.</summary>
    public string ConnectionString { get; }

    /// <summary>The postmaster's process id, when this process started the server.</summary>
    public int? PostmasterPid => _cluster?.PostmasterPid;

    /// <summary>Starts a private server; <paramref name="settings"/> adds <c>-c name=value</c> settings (for profiling).</summary>
    public static PostgresServer Start(params string[] settings)
    {
        _ = PostgresCluster.InitDb ?? throw new InvalidOperationException("PostgreSQL's initdb is not on the PATH.");
        _ = PostgresCluster.PgCtl ?? throw new InvalidOperationException("PostgreSQL's pg_ctl is not on the PATH.");
        int port = ServerTools.FreePort();
        var cluster = new PostgresCluster(Tools.NewDirectory("agentguard-bench-pg-"), port, maxConnections: 200, TimeSpan.FromMinutes(2));
        var server = new PostgresServer(
            $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Timeout=10;Command Timeout=60;Maximum Pool Size=64",
            cluster);
        try
        {
            cluster.InitAsync().GetAwaiter().GetResult();
            cluster.StartAsync(settings).GetAwaiter().GetResult();
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
        if (_cluster is null)
        {
            return;
        }

        if (_cluster.HasPostmaster && PostgresCluster.PgCtl is not null)
        {
            try
            {
                _cluster.StopAsync().GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                // Already stopped (or killed, when pg_ctl did not finish).
            }
        }

        Tools.TryDelete(_cluster.Directory);
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
}
