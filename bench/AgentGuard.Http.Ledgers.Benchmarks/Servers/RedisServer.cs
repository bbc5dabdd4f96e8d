using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AgentGuard.Http.Ledgers.Benchmarks.Servers;

/// <summary>
/// A private <c>redis-server</c>: a free loopback port, a temporary directory on the disk, AOF with
/// <c>appendfsync always</c> and no RDB snapshots (the durable setting the README requires), killed when disposed (the
/// shared one when the process exits). <c>AGENTGUARD_BENCH_REDIS</c> names an existing server instead.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private static readonly Lazy<RedisServer> s_shared = new(StartShared);

    private readonly Process? _process;
    private readonly string? _directory;

    private RedisServer(string configuration, Process? process, string? directory)
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
    public int? ProcessId => _process?.Id;

    /// <summary>Starts a private server with <c>appendonly yes</c>, <c>appendfsync always</c>, no snapshots.</summary>
    public static RedisServer Start()
    {
        string binary = Tools.Find("redis-server") ?? throw new InvalidOperationException("redis-server is not installed (apt-get install redis-server).");
        int port = Tools.FreePort();
        string directory = Tools.NewDirectory("agentguard-bench-redis-");
        var start = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[]
        {
            "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory,
            "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no",
            "--logfile", Path.Combine(directory, "redis.log"),
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisServer($"127.0.0.1:{port}", process, directory);
        try
        {
            server.WaitUntilReady(port);
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
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(15_000);
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

    // Ready when it answers PING with PONG.
    private void WaitUntilReady(int port)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}: {Tools.ReadOrEmpty(Path.Combine(_directory!, "redis.log"))}");
            }

            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                var stream = client.GetStream();
                stream.Write("PING\r\n"u8);
                var buffer = new byte[64];
                int read = stream.Read(buffer);
                if (Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (SocketException)
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"redis-server on port {port} did not become ready.");
            }

            Thread.Sleep(20);
        }
    }
}
