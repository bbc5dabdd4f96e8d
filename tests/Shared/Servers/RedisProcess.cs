using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AgentGuard.Testing.Servers;

/// <summary>
/// A private <c>redis-server</c> on a loopback port, with its data (and <c>redis.log</c>) in a directory of its own:
/// AOF with <c>appendfsync always</c> and no RDB snapshots (the durable setting the README requires). It can be started
/// again on the same directory and port, where it replays its AOF.
/// </summary>
/// <param name="directory">The server's data directory, deleted by the owner.</param>
/// <param name="port">The loopback port to listen on.</param>
internal sealed class RedisProcess(string directory, int port) : IDisposable
{
    public const string NotInstalled = "redis-server is not installed (apt-get install redis-server)";

    private Process? _process;

    public static string? Binary { get; } = ServerTools.FindOnPath("redis-server");

    /// <summary>The server's process id, once started.</summary>
    public int? ProcessId => _process?.Id;

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts the server (again, on the same directory and port) and waits until it answers PING.</summary>
    public async Task StartAsync(TimeSpan readyTimeout)
    {
        var start = new ProcessStartInfo(Binary ?? throw new InvalidOperationException(NotInstalled + "."))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[]
        {
            "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory,
            "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no",
            "--logfile", LogFile,
        })
        {
            start.ArgumentList.Add(argument);
        }

        _process?.Dispose();
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += static (_, _) => { };
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitUntilReadyAsync(readyTimeout).ConfigureAwait(false);
    }

    /// <summary>Kills the server with SIGKILL: nothing is flushed that was not on disk already.</summary>
    public void Kill() => _process?.Kill();

    /// <summary>Waits up to 15 seconds for the server to exit.</summary>
    public async Task WaitForExitAsync()
    {
        if (_process is null)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
    }

    /// <summary>Releases the process handle (a running server is the owner's to kill first).</summary>
    public void Dispose() => _process?.Dispose();

    private string LogFile => Path.Combine(directory, "redis.log");

    // Ready when it answers PING with PONG (not LOADING while it replays its AOF).
    private async Task WaitUntilReadyAsync(TimeSpan readyTimeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}: {ReadLog()}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray()).ConfigureAwait(false);
                var buffer = new byte[64];
                int read = await stream.ReadAsync(buffer).ConfigureAwait(false);
                if (Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (SocketException)
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > readyTimeout)
            {
                throw new TimeoutException($"redis-server on port {port} did not become ready: {ReadLog()}");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    private string ReadLog()
    {
        try
        {
            return File.ReadAllText(LogFile);
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }
}
