using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

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

    private Process? _process;

    private RedisTestServer(string directory, int port)
    {
        Directory = directory;
        Port = port;
    }

    /// <summary>The server's data directory (its AOF files).</summary>
    public string Directory { get; }

    public int Port { get; }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    private static string? Binary { get; } = FindOnPath("redis-server");

    /// <summary>Skips the test when redis-server is not installed, or fails it when the environment requires the servers (CI).</summary>
    public static void SkipUnlessInstalled()
    {
        if (Binary is not null)
        {
            return;
        }

        const string reason = "redis-server is not installed (apt-get install redis-server)";
        if (Environment.GetEnvironmentVariable("AGENTGUARD_REQUIRE_SERVICES") == "1")
        {
            Assert.Fail(reason + ", and AGENTGUARD_REQUIRE_SERVICES=1 requires it.");
        }

        Assert.Skip(reason + ".");
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
        var server = new RedisTestServer(directory, FreePort());
        await server.RunAsync();
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

        await WaitForExitAsync();
    }

    /// <summary>Kills the server with SIGKILL: nothing is flushed that was not on disk already.</summary>
    public async Task KillAsync()
    {
        _process?.Kill();
        await WaitForExitAsync();
    }

    /// <summary>Starts the server again on the same directory and port (it replays its AOF).</summary>
    public Task RestartAsync() => RunAsync();

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await WaitForExitAsync();
        }

        _process?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }

    private async Task RunAsync()
    {
        var start = new ProcessStartInfo(Binary!)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in new[]
        {
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", Directory,
            "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no",
            "--logfile", Path.Combine(Directory, "redis.log"),
        })
        {
            start.ArgumentList.Add(arg);
        }

        _process?.Dispose();
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += static (_, _) => { };
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitUntilReadyAsync();
    }

    // Ready when it answers PING with PONG (not LOADING while it replays its AOF).
    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}: {ReadLog()}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                var stream = client.GetStream();
                await stream.WriteAsync(Encoding.ASCII.GetBytes("PING\r\n"));
                var buffer = new byte[64];
                int read = await stream.ReadAsync(buffer);
                if (Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (SocketException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"redis-server on port {Port} did not become ready: {ReadLog()}");
            }

            await Task.Delay(20);
        }
    }

    private async Task WaitForExitAsync()
    {
        if (_process is null)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await _process.WaitForExitAsync(timeout.Token);
    }

    private string ReadLog()
    {
        try
        {
            return File.ReadAllText(Path.Combine(Directory, "redis.log"));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    private static async Task<RedisTestServer> StartSharedAsync()
    {
        var server = await StartAsync();

        // The shared server lives as long as the test run.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return server;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
