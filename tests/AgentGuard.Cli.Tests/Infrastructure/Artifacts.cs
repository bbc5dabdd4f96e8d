using System.Reflection;

namespace AgentGuard.Cli.Tests.Infrastructure;

/// <summary>Where the build put the CLI and the demo (built before the tests by their project references).</summary>
internal static class Artifacts
{
    public static string RepositoryRoot { get; } = Metadata("RepositoryRoot");

    public static string Configuration { get; } = Metadata("Configuration");

    public static string CliProject => Path.Combine(RepositoryRoot, "src", "AgentGuard.Cli");

    public static string CliDll => Output(CliProject, "AgentGuard.Cli.dll");

    public static string DemoDll => Output(Path.Combine(RepositoryRoot, "samples", "AgentGuard.Demo"), "AgentGuard.Demo.dll");

    /// <summary>The dotnet host that runs the tests (set by the SDK), else the one on the PATH.</summary>
    public static string DotnetHost { get; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static string Output(string project, string file) =>
        Path.Combine(project, "bin", Configuration, Metadata("TargetFramework"), file);

    private static string Metadata(string key) =>
        typeof(Artifacts).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"The test assembly has no {key} metadata.");
}
