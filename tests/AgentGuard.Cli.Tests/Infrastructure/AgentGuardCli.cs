namespace AgentGuard.Cli.Tests.Infrastructure;

/// <summary>The built CLI, run as <c>dotnet AgentGuard.Cli.dll ...</c>.</summary>
internal static class AgentGuardCli
{
    public static Task<ProcessResult> RunAsync(params string[] arguments) => RunAsync(arguments, environment: null);

    public static Task<ProcessResult> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment, string? standardInput = null) =>
        ProcessRunner.RunAsync(Artifacts.DotnetHost, [Artifacts.CliDll, .. arguments], environment, standardInput);
}
