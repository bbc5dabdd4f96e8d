using System.Globalization;
using System.Text.RegularExpressions;
using AgentGuard.Cli.Tests.Infrastructure;

namespace AgentGuard.Cli.Tests.Demo;

/// <summary>The README's first command, run as CI runs it: output redirected, no key used, exit 0, and the summary.</summary>
public sealed partial class DemoTests
{
    [Fact]
    public async Task Demo_InItsDefaultMode_StopsEveryAgentAtTheBudget_AndNeverUsesAStrayKey()
    {
        var result = await ProcessRunner.RunAsync(
            Artifacts.DotnetHost,
            [Artifacts.DemoDll],
            new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "sk-stray-key-that-must-not-be-used" });

        Assert.True(result.ExitCode == 0, result.ToString());
        string output = result.StandardOutput;
        Assert.Contains("local fake OpenAI server", output, StringComparison.Ordinal);
        Assert.Contains("OPENAI_API_KEY is set but not used", output, StringComparison.Ordinal);
        foreach (int threshold in new[] { 30, 80, 95 })
        {
            Assert.Contains($"⚠ {threshold}% of the budget used", output, StringComparison.Ordinal);
        }

        for (int agent = 1; agent <= 3; agent++)
        {
            Assert.Matches($"agent {agent} · stopped by the budget after \\d+ turns", output);
        }

        Assert.Matches(@"Budget \$0\.02: spent \$0\.0\d+ \(\d+\.\d%\), \d+ calls sent, 3 refused", output);
        Assert.True(FakeBilled(output) <= 0.02m, output);
        Assert.EndsWith("never more than the budget.", output.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_WithAModelWithoutAPrice_PrintsTheLibrarysMessage_AndExits2()
    {
        var result = await ProcessRunner.RunAsync(Artifacts.DotnetHost, [Artifacts.DemoDll, "--model", "llama-3"]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("llama-3", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("AgentGuardOptions.Prices", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Demo_Help_PrintsTheUsageAndTheDefaults_AndExits0(string flag)
    {
        var result = await ProcessRunner.RunAsync(Artifacts.DotnetHost, [Artifacts.DemoDll, flag]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("usage: AgentGuard.Demo", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("(default 0.02)", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoDemos_OnOneSqliteFile_ShareOneBudget()
    {
        using var directory = new TempDirectory("demo");
        string database = directory.File("budget.db");
        string[] arguments = [Artifacts.DemoDll, "--ledger", "sqlite:" + database, "--budget", "0.03"];

        var runs = await Task.WhenAll(
            ProcessRunner.RunAsync(Artifacts.DotnetHost, arguments),
            ProcessRunner.RunAsync(Artifacts.DotnetHost, [.. arguments, "--agents", "2", "--model", "gpt-4.1-nano"]));
        var status = await AgentGuardCli.RunAsync("status", "--ledger", "sqlite:" + database, "--json");

        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.ToString()));
        Assert.True(runs.Sum(r => FakeBilled(r.StandardOutput)) <= 0.03m, string.Join("\n", runs.Select(r => r.StandardOutput)));
        var pool = Assert.Single(status.Json().GetProperty("pools").EnumerateArray());
        Assert.Equal("demo", pool.GetProperty("key").GetString());
        Assert.Equal(30_000, pool.GetProperty("limitMicros").GetInt64());
        Assert.InRange(pool.GetProperty("spentMicros").GetInt64(), 1, 30_000);
    }

    [Theory]
    [InlineData("--agents", "0")]
    [InlineData("--ledger", "redis://localhost")]
    [InlineData("--real")]
    public async Task Demo_WithBadArguments_OrRealWithoutAKey_ExitsTwo(params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(Artifacts.DotnetHost, [Artifacts.DemoDll, .. arguments]);

        Assert.Equal(2, result.ExitCode);
        Assert.NotEmpty(result.StandardError);
    }

    private static decimal FakeBilled(string output) =>
        decimal.Parse(FakeBilledLine().Match(output) is { Success: true } match ? match.Groups[1].Value : throw new InvalidOperationException("No billing line: " + output), CultureInfo.InvariantCulture);

    [GeneratedRegex(@"The fake server billed \$([0-9.]+) for \d+ calls: never more than the budget\.")]
    private static partial Regex FakeBilledLine();
}
