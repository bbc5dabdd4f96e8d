using System.Text.Json;

namespace AgentGuard.Cli.Tests.Infrastructure;

/// <summary>What a process printed and how it exited.</summary>
internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public JsonElement Json()
    {
        try
        {
            using var document = JsonDocument.Parse(StandardOutput);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"Not JSON ({ex.Message}). {this}", ex);
        }
    }

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";
}
