using System.Net;
using System.Net.Sockets;

namespace AgentGuard.Testing.Servers;

/// <summary>
/// What starting a private server needs: programs on the PATH and free loopback ports. This folder is linked into the
/// ledger tests and the ledger benchmarks, which start the same servers the same way.
/// </summary>
internal static class ServerTools
{
    public static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
