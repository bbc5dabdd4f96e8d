using System.Net;
using System.Net.Sockets;
using System.Text;
using AgentGuard.Http.Tests.Shared;
using AgentGuard.Testing.Servers;

namespace AgentGuard.Http.Ledgers.Tests.Redis;

/// <summary>
/// A private <c>redis-server</c> for the tests: a random free loopback port, a temporary directory, AOF with
/// <c>appendfsync always</c> and no RDB snapshots, killed when disposed (the shared instance when the test run ends).
/// </summary>
internal sealed class RedisTestServer : IAsyncDisposable
{
    /// <summary>
    /// The Redis tests run one class at a time: StackExchange.Redis completes replies on the thread pool, and one class's
    /// synchronous callers would otherwise stall another's short leases.
    /// </summary>
    public const string Collection = "Redis";

    private static readonly Lazy<Task<RedisTestServer>> s_shared = new(StartSharedAsync);

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(15);

    private readonly RedisProcess _process;

    private RedisTestServer(string directory, int port)
    {
        Directory = directory;
        Port = port;
        _process = new RedisProcess(directory, port);
    }

    /// <summary>The server's data directory (its AOF files).</summary>
    public string Directory { get; }

    public int Port { get; }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>Skips the test when redis-server is not installed, or fails it when the environment requires the servers (CI).</summary>
    public static void SkipUnlessInstalled()
    {
        if (RedisProcess.Binary is not null)
        {
            return;
        }

        TestSkip.Because(RedisProcess.NotInstalled);
    }

    /// <summary>One server for every test that shares it (tests keep apart by their budget names or key prefixes).</summary>
    public static Task<RedisTestServer> SharedAsync()
    {
        SkipUnlessInstalled();
        return s_shared.Value;
    }

    /// <summary>A server of the test's own, for tests that stop or restart it.</summary>
    public static async Task<RedisTestServer> StartAsync()
    {
        SkipUnlessInstalled();
        string directory = Path.Combine(Path.GetTempPath(), "agentguard-redis-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var server = new RedisTestServer(directory, ServerTools.FreePort());
        await server._process.StartAsync(ReadyTimeout);
        return server;
    }

    /// <summary>What <c>redis-cli -p PORT SHUTDOWN NOSAVE</c> does: stops at once, without writing a snapshot.</summary>
    public async Task ShutdownNoSaveAsync()
    {
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n"));
            await stream.FlushAsync();
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>Kills the server with SIGKILL: nothing is flushed that was not on disk already.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>Starts the server again on the same directory and port (it replays its AOF).</summary>
    public Task RestartAsync() => _process.StartAsync(ReadyTimeout);

    public async ValueTask DisposeAsync()
    {
        if (_process.IsRunning)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }

    private static async Task<RedisTestServer> StartSharedAsync()
    {
        var server = await StartAsync();

        // The shared server lives as long as the test run.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }
}
