using System.Globalization;
using System.Text.Json;
using AgentGuard.Cli.Tests.Infrastructure;

namespace AgentGuard.Cli.Tests.Stores;

/// <summary>
/// The CLI against one kind of store, filled by real guarded calls: what it reports must be what the fake server billed.
/// Each test uses a budget of its own, so the tests of a class can share one server.
/// </summary>
public abstract class StoreScenarioTests
{
    // Each tenant calls one model, so the spend per scope is the spend per model, which the fake server reports.
    private static readonly GuardedCall[] s_calls =
    [
        new("gpt-4o-mini", "acme"), new("gpt-4o-mini", "acme"), new("gpt-4o-mini", "acme"),
        new("gpt-4.1-nano", "globex"), new("gpt-4.1-nano", "globex"),
        new("gpt-5-mini"),
    ];

    private protected abstract Task<StoreUnderTest> OpenAsync();

    [Fact]
    public async Task Status_AfterGuardedCalls_ShowsWhatTheServerBilledPerPool()
    {
        await using var store = await OpenAsync();
        var (budget, billed) = await FillAsync(store);

        var result = await RunAsync(store, "status", "--budget", budget, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var pools = result.Json().GetProperty("pools").EnumerateArray().ToDictionary(p => p.GetProperty("key").GetString()!);
        Assert.Equal([budget, $"{budget}/tenant:acme", $"{budget}/tenant:globex"], pools.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(billed.TotalMicros, pools[budget].GetProperty("spentMicros").GetInt64());
        Assert.Equal(1_000_000, pools[budget].GetProperty("limitMicros").GetInt64());
        Assert.Equal(0, pools[budget].GetProperty("reservedMicros").GetInt64());
        Assert.Equal(1_000_000 - billed.TotalMicros, pools[budget].GetProperty("remainingMicros").GetInt64());
        Assert.Equal(billed.MicrosByModel["gpt-4o-mini"], pools[$"{budget}/tenant:acme"].GetProperty("spentMicros").GetInt64());
        Assert.Equal(billed.MicrosByModel["gpt-4.1-nano"], pools[$"{budget}/tenant:globex"].GetProperty("spentMicros").GetInt64());
        Assert.Equal("tenant:acme", pools[$"{budget}/tenant:acme"].GetProperty("scope").GetString());
        Assert.False(result.Json().GetProperty("anyExhausted").GetBoolean());
        Assert.DoesNotContain("not-echoed", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_AfterGuardedCalls_GroupsTheSpendLogByProviderModelScopeAndBudget()
    {
        await using var store = await OpenAsync();
        var (budget, billed) = await FillAsync(store);

        var result = await RunAsync(store, "report", "--budget", budget, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var report = result.Json();
        Assert.Equal(billed.TotalMicros, report.GetProperty("totalMicros").GetInt64());
        Assert.Equal(s_calls.Length, report.GetProperty("calls").GetInt32());
        Assert.Equal(billed.MicrosByModel, Groups(report, "byModel"));
        Assert.Equal(new Dictionary<string, long> { ["openai"] = billed.TotalMicros }, Groups(report, "byProvider"));
        Assert.Equal(
            new Dictionary<string, long>
            {
                ["tenant:acme"] = billed.MicrosByModel["gpt-4o-mini"],
                ["tenant:globex"] = billed.MicrosByModel["gpt-4.1-nano"],
                ["(none)"] = billed.MicrosByModel["gpt-5-mini"],
            },
            Groups(report, "byScope"));
        Assert.Equal(new Dictionary<string, long> { [budget] = billed.TotalMicros }, Groups(report, "byBudget"));
        Assert.Equal(billed.TotalMicros, Groups(report, "byDay").Values.Sum());
        var timeline = Assert.Single(report.GetProperty("timelines").EnumerateArray());
        Assert.Equal(billed.TotalMicros, timeline.GetProperty("points").EnumerateArray().Last().GetProperty("cumulativeMicros").GetInt64());
        Assert.Equal(1_000_000, timeline.GetProperty("limitMicros").GetInt64());
    }

    [Fact]
    public async Task ReportCsv_AfterGuardedCalls_HasOneRowPerGroup()
    {
        await using var store = await OpenAsync();
        var (budget, billed) = await FillAsync(store);

        var result = await RunAsync(store, "report", "--budget", budget, "--csv");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("dimension,key,calls,spent_usd,spent_micros", lines[0]);
        Assert.Contains($"total,all,{s_calls.Length},{Usd(billed.TotalMicros)},{billed.TotalMicros}", lines);
        Assert.Contains($"provider,openai,{s_calls.Length},{Usd(billed.TotalMicros)},{billed.TotalMicros}", lines);
        Assert.Contains($"model,gpt-4o-mini,3,{Usd(billed.MicrosByModel["gpt-4o-mini"])},{billed.MicrosByModel["gpt-4o-mini"]}", lines);
        Assert.Contains($"scope,tenant:globex,2,{Usd(billed.MicrosByModel["gpt-4.1-nano"])},{billed.MicrosByModel["gpt-4.1-nano"]}", lines);
    }

    [Fact]
    public async Task SetBudget_ChangesTheStoredLimit_AndStatusExitsOneWhenAPoolIsExhausted()
    {
        await using var store = await OpenAsync();
        var (budget, billed) = await FillAsync(store);

        var raised = await RunAsync(store, "set-budget", budget, "2.5");
        var acmeSpent = billed.MicrosByModel["gpt-4o-mini"];
        var exhausted = await RunAsync(store, "set-budget", $"{budget}/tenant:acme", Usd(acmeSpent), "--json");
        var status = await RunAsync(store, "status", "--budget", budget, "--json");

        Assert.True(raised.ExitCode == 0, raised.ToString());
        Assert.True(exhausted.ExitCode == 0, exhausted.ToString());
        Assert.Equal(500_000, exhausted.Json().GetProperty("previousLimitMicros").GetInt64());
        Assert.True(status.ExitCode == 1, status.ToString());
        var pools = status.Json().GetProperty("pools").EnumerateArray().ToDictionary(p => p.GetProperty("key").GetString()!);
        Assert.Equal(2_500_000, pools[budget].GetProperty("limitMicros").GetInt64());
        Assert.Equal(acmeSpent, pools[$"{budget}/tenant:acme"].GetProperty("limitMicros").GetInt64());
        Assert.True(pools[$"{budget}/tenant:acme"].GetProperty("exhausted").GetBoolean());
        Assert.False(pools[budget].GetProperty("exhausted").GetBoolean());
    }

    [Fact]
    public async Task Reset_WithYes_ZeroesThePoolOnly()
    {
        await using var store = await OpenAsync();
        var (budget, billed) = await FillAsync(store);

        var reset = await RunAsync(store, "reset", budget, "--yes", "--json");
        var status = await RunAsync(store, "status", "--budget", budget, "--json");

        Assert.True(reset.ExitCode == 0, reset.ToString());
        Assert.Equal(billed.TotalMicros, reset.Json().GetProperty("previousSpentMicros").GetInt64());
        var pools = status.Json().GetProperty("pools").EnumerateArray().ToDictionary(p => p.GetProperty("key").GetString()!);
        Assert.Equal(0, pools[budget].GetProperty("spentMicros").GetInt64());
        Assert.Equal(billed.MicrosByModel["gpt-4o-mini"], pools[$"{budget}/tenant:acme"].GetProperty("spentMicros").GetInt64());
    }

    [Fact]
    public async Task Reset_WithoutYesAndWithoutATerminal_RefusesWithExitTwoAndChangesNothing()
    {
        await using var store = await OpenAsync();
        var (budget, billed) = await FillAsync(store);

        var reset = await RunAsync(store, "reset", budget);
        var status = await RunAsync(store, "status", "--budget", budget, "--json");

        Assert.Equal(2, reset.ExitCode);
        Assert.Contains("--yes", reset.StandardError, StringComparison.Ordinal);
        Assert.Single(reset.StandardError.Trim().Split('\n'));
        Assert.Equal(billed.TotalMicros, status.Json().GetProperty("pools")[0].GetProperty("spentMicros").GetInt64());
    }

    [Fact]
    public async Task UnknownBudgetOrPool_IsOneLineAndExitTwo_AndChangesNothing()
    {
        await using var store = await OpenAsync();
        var (budget, billed) = await FillAsync(store);

        var status = await RunAsync(store, "status", "--budget", budget + "-typo");
        var setBudget = await RunAsync(store, "set-budget", $"{budget}/tenant:nobody", "5");
        var reset = await RunAsync(store, "reset", budget + "@2020-01", "--yes");
        var after = await RunAsync(store, "status", "--budget", budget, "--json");

        Assert.Equal(2, status.ExitCode);
        Assert.StartsWith($"agentguard: No budget '{budget}-typo'", status.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, setBudget.ExitCode);
        Assert.Contains($"No pool '{budget}/tenant:nobody'", setBudget.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, reset.ExitCode);
        Assert.All([status, setBudget, reset], r => Assert.Single(r.StandardError.Trim().Split('\n')));
        Assert.Equal(3, after.Json().GetProperty("pools").GetArrayLength());
        Assert.Equal(billed.TotalMicros, after.Json().GetProperty("pools")[0].GetProperty("spentMicros").GetInt64());
    }

    [Fact]
    public async Task LedgerFromTheEnvironment_IsUsedWhenNoOptionIsGiven()
    {
        await using var store = await OpenAsync();
        var (budget, billed) = await FillAsync(store);
        var environment = new Dictionary<string, string?>(store.Environment) { ["AGENTGUARD_LEDGER"] = store.Spec };

        var result = await AgentGuardCli.RunAsync(["status", "--budget", budget, "--json"], environment);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(billed.TotalMicros, result.Json().GetProperty("pools")[0].GetProperty("spentMicros").GetInt64());
    }

    private protected Task<ProcessResult> RunAsync(StoreUnderTest store, params string[] arguments) =>
        AgentGuardCli.RunAsync([.. arguments, "--ledger", store.Spec], store.Environment);

    private static async Task<(string Budget, Billed Billed)> FillAsync(StoreUnderTest store)
    {
        string budget = "b" + Guid.NewGuid().ToString("N")[..10];
        var billed = await GuardedCalls.RunAsync(store.Ledger, budget, budgetUsd: 1m, s_calls, tenantLimitUsd: 0.5m);
        Assert.Equal(s_calls.Length, billed.Calls);
        return (budget, billed);
    }

    private static Dictionary<string, long> Groups(JsonElement report, string dimension) =>
        report.GetProperty(dimension).EnumerateArray().ToDictionary(g => g.GetProperty("key").GetString()!, g => g.GetProperty("spentMicros").GetInt64());

    private static string Usd(long micros) => (micros / 1_000_000m).ToString("0.000000", CultureInfo.InvariantCulture);
}
