namespace AgentGuard.Http.Ledgers.Benchmarks.Servers;

/// <summary>Directories on the disk for the stores (the servers' programs and ports: <see cref="AgentGuard.Testing.Servers.ServerTools"/>).</summary>
internal static class Tools
{
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
}
