using AgentGuard.Cli.Tests.Infrastructure;

namespace AgentGuard.Cli.Tests.Tool;

/// <summary>
/// The CLI as users get it: packed as a .NET tool, installed with <c>dotnet tool install</c> from a local folder feed (no
/// public feed has our package), and run through its <c>agentguard</c> command.
/// </summary>
public sealed class ToolInstallTests
{
    [Fact]
    public async Task PackedTool_InstallsFromALocalFeed_AndRunsAsAgentguard()
    {
        using var directory = new TempDirectory("tool");
        string feed = directory.File("feed");
        string tools = directory.File("tools");
        string config = directory.File("nuget.config");

        // The build already compiled the CLI in this configuration: packing it again must not rebuild what the tests run.
        var pack = await ProcessRunner.RunAsync(Artifacts.DotnetHost, ["pack", Artifacts.CliProject, "--no-build", "-c", Artifacts.Configuration, "-o", feed]);
        Assert.True(pack.ExitCode == 0, pack.ToString());
        Assert.Single(Directory.GetFiles(feed, "AgentGuard.Cli.*.nupkg"));

        // Only the local feed, and a package folder of the test's own, so a copy cached by an earlier run is never used.
        await File.WriteAllTextAsync(config, "<configuration><packageSources><clear /></packageSources></configuration>", TestContext.Current.CancellationToken);
        var install = await ProcessRunner.RunAsync(
            Artifacts.DotnetHost,
            ["tool", "install", "--tool-path", tools, "--add-source", feed, "--configfile", config, "AgentGuard.Cli"],
            new Dictionary<string, string?> { ["NUGET_PACKAGES"] = directory.File("packages") },
            workingDirectory: directory.Path);
        Assert.True(install.ExitCode == 0, install.ToString());

        string agentguard = Path.Combine(tools, OperatingSystem.IsWindows() ? "agentguard.exe" : "agentguard");
        var prices = await ProcessRunner.RunAsync(agentguard, ["prices", "--json"]);
        var usage = await ProcessRunner.RunAsync(agentguard, ["status"]);

        // The installed tool carries the generator's overrides: an import builds a table as the generator does.
        var import = await ProcessRunner.RunAsync(agentguard, ["prices", "import", Pricing.GenAiPricesExcerpt.DataJson, "--date", "2026-12-07", "-o", directory.File("prices.json")]);

        Assert.True(prices.ExitCode == 0, prices.ToString());
        using var embedded = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Artifacts.RepositoryRoot, "src", "AgentGuard.Http", "Pricing", "prices.json"), TestContext.Current.CancellationToken));
        Assert.Equal(embedded.RootElement.GetProperty("date").GetString(), prices.Json().GetProperty("date").GetString());
        Assert.True(import.ExitCode == 0, import.ToString());
        Assert.Contains("gpt-4o", await File.ReadAllTextAsync(directory.File("prices.json"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("No ledger", usage.StandardError, StringComparison.Ordinal);
    }
}
