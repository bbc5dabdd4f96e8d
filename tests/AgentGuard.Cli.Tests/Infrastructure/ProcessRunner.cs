using System.Diagnostics;

namespace AgentGuard.Cli.Tests.Infrastructure;

/// <summary>Runs a program to its end with its output captured; standard input is given or closed (never a terminal).</summary>
internal static class ProcessRunner
{
    // A hang is a failure, not something to wait out: generous, since two cores are shared by parallel test classes.
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(4);

    /// <summary>Variables the tests' machine may have set that would change what the CLI or the demo does.</summary>
    private static readonly string[] s_cleared =
        ["AGENTGUARD_LEDGER", "AGENTGUARD_REDIS_PASSWORD", "AGENTGUARD_POSTGRES_PASSWORD", "PGPASSWORD", "OPENAI_API_KEY"];

    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? standardInput = null,
        string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string name in s_cleared)
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(s_timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} did not finish in {s_timeout}.");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }
}
