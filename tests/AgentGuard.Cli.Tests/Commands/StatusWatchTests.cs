using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using AgentGuard.Cli.Tests.Infrastructure;
using AgentGuard.Http.Sqlite;

namespace AgentGuard.Cli.Tests.Commands;

/// <summary><c>status --watch</c> refreshes until Ctrl+C (SIGINT), then exits 0.</summary>
public sealed class StatusWatchTests
{
    [Fact]
    public async Task Watch_RefreshesUntilInterrupted_ThenExitsZero()
    {
        using var directory = new TempDirectory("watch");
        string database = directory.File("budget.db");
        Billed billed;
        using (var ledger = new SqliteBudgetLedger(database))
        {
            billed = await GuardedCalls.RunAsync(ledger, "agents", 1m, [new("gpt-4o-mini"), new("gpt-4.1-nano")]);
        }

        var start = new ProcessStartInfo(Artifacts.DotnetHost)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[] { Artifacts.CliDll, "status", "--watch", "--json", "--interval", "0.2", "--ledger", "sqlite:" + database })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        var lines = Channel.CreateUnbounded<string>();
        var errors = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lines.Writer.TryWrite(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) => errors.AppendLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var snapshots = new List<JsonElement>();
        try
        {
            while (snapshots.Count < 3)
            {
                snapshots.Add(JsonDocument.Parse(await lines.Reader.ReadAsync(timeout.Token)).RootElement.Clone());
            }
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            Assert.Fail("The watch printed no snapshots: " + errors);
        }

        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(timeout.Token);
        }

        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, process.ExitCode);
        Assert.All(snapshots, s => Assert.Equal(billed.TotalMicros, s.GetProperty("pools")[0].GetProperty("spentMicros").GetInt64()));
    }
}
