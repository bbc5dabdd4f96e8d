namespace AgentGuard.Http.Tests.Pricing;

/// <summary>A file under the temp folder with the given text, deleted on dispose.</summary>
internal sealed class TempFile : IDisposable
{
    public TempFile(string text)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"agentguard-prices-{Guid.NewGuid():N}.json");
        File.WriteAllText(Path, text);
    }

    public string Path { get; }

    public void Dispose() => File.Delete(Path);
}
