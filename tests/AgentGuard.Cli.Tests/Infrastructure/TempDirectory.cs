namespace AgentGuard.Cli.Tests.Infrastructure;

/// <summary>A private temporary directory, deleted with everything in it at the end.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory(string purpose = "cli")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"agentguard-{purpose}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Idem (a server's files owned by another user).
        }
    }
}
