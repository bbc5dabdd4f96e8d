using AgentGuard.Cli.Tests.Infrastructure;

namespace AgentGuard.Cli.Tests.Commands;

/// <summary>Usage errors are exit 2 with one line on standard error, checked before any store is touched.</summary>
public sealed class UsageTests
{
    [Theory]
    [InlineData("")]
    [InlineData("stauts")]
    [InlineData("status --bogus")]
    [InlineData("status --interval 0")]
    [InlineData("set-budget agents")]
    [InlineData("report --csv --json")]
    [InlineData("estimate request.json --tier gold")]
    public async Task BadCommandLine_IsExitTwo(string commandLine)
    {
        string[] arguments = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var result = await AgentGuardCli.RunAsync(arguments);

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.StandardError.Trim().Split('\n'));
        Assert.EndsWith("Run 'agentguard --help' for usage.", result.StandardError.Trim(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("set-budget", "agents/tenant", "5", "is not a pool key")]
    [InlineData("set-budget", "agents", "five", "must be an amount in USD")]
    [InlineData("set-budget", "agents", "-1", "must be an amount in USD")]
    [InlineData("set-budget", "agents", "0.0000001", "at least one micro-dollar")]
    [InlineData("report", "--since", "yesterday", "--since must be a date")]
    public async Task BadValue_IsExitTwo_BeforeTheLedgerIsOpened(string command, string first, string? second, string expected)
    {
        // The ledger does not exist: the value is rejected before it would be looked for.
        string[] arguments = second is null ? [command, first] : [command, first, second];
        var result = await AgentGuardCli.RunAsync([.. arguments, "--ledger", "sqlite:/nonexistent/budget.db"], environment: null);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsEveryCommand_AndExitsZero()
    {
        var result = await AgentGuardCli.RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        foreach (string command in new[] { "status", "report", "set-budget", "reset", "prices", "estimate" })
        {
            Assert.Contains(command, result.StandardOutput, StringComparison.Ordinal);
        }
    }
}
