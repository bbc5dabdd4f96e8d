using System.Net;
using System.Net.Sockets;

namespace AgentGuard.Http.Ledgers.Benchmarks.Servers;

/// <summary>What starting a private server needs: programs on the PATH, free ports, directories on the disk.</summary>
internal static class Tools
{
    public static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A new directory under <c>AGENTGUARD_BENCH_DIR</c> when set, else the temporary directory.</summary>
    public static string NewDirectory(string prefix)
    {
        string parent = Environment.GetEnvironmentVariable("AGENTGUARD_BENCH_DIR") is { Length: > 0 } dir ? dir : Path.GetTempPath();
        return Directory.CreateDirectory(Path.Combine(parent, prefix + Guid.NewGuid().ToString("N")[..8])).FullName;
    }

    public static void TryDelete(string? directory)
    {
        if (directory is null)
        {
            return;
        }

        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Likewise.
        }
    }

    public static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
    }
}
