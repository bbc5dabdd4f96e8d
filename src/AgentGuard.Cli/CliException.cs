namespace AgentGuard.Cli;

/// <summary>A failure the user can act on: printed as one line on standard error, with its exit code.</summary>
internal sealed class CliException(string message, int exitCode = ExitCodes.Usage) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
