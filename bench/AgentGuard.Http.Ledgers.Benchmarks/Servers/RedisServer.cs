using AgentGuard.Testing.Servers;

namespace AgentGuard.Http.Ledgers.Benchmarks.Servers;

/// <summary>
/// A private <c>redis-server</c>: a free loopback port, a temporary directory on the disk, AOF with
/// <c>appendfsync always</c> and no RDB snapshots (the durable setting the README requires), killed when disposed (the
/// shared one when the process exits). <c>AGENTGUARD_BENCH_REDIS</c> names an existing server instead.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private static readonly Lazy<RedisServer> s_shared = new(StartShared);

    private readonly RedisProcess? _process;
    private readonly string? _directory;

    private RedisServer(string configuration, RedisProcess? process, string? directory)
    {
        Configuration = configuration;
        _process = process;
        _directory = directory;
    }

    /// <summary>The one server of this process's benchmarks.</summary>
    public static RedisServer Shared => s_shared.Value;

    /// <summary>A StackExchange.Redis configuration string.</summary>
    public string Configuration { get; }

    /// <summary>The server's process id, when this process started it.</summary>
    public int? ProcessId => _process?.ProcessId;

    /// <summary>Starts a private server with <c>appendonly yes</c>, <c>appendfsync always</c>, no snapshots.</summary>
    public static RedisServer Start()
    {
        if (RedisProcess.Binary is null)
        {
            throw new InvalidOperationException(RedisProcess.NotInstalled + ".");
        }

        int port = ServerTools.FreePort();
        string directory = Tools.NewDirectory("agentguard-bench-redis-");
        var server = new RedisServer($"127.0.0.1:{port}", new RedisProcess(directory, port), directory);
        try
        {
            server._process!.StartAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
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
        if (_process is { IsRunning: true })
        {
            _process.Kill();
            try
            {
                _process.WaitForExitAsync().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                // Not gone within 15 seconds: it was killed, and goes in its own time.
            }
        }

        _process?.Dispose();
        Tools.TryDelete(_directory);
    }

    private static RedisServer StartShared()
    {
        if (Environment.GetEnvironmentVariable("AGENTGUARD_BENCH_REDIS") is { Length: > 0 } configuration)
        {
            return new RedisServer(configuration, null, null);
        }

        var server = Start();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
        return server;
    }
}
