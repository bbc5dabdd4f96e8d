using System.CommandLine;
using AgentGuard.Cli.Ledgers;
using AgentGuard.Cli.Output;
using AgentGuard.Cli.Status;
using Spectre.Console;

namespace AgentGuard.Cli.Commands;

/// <summary><c>agentguard status</c>: every pool's limit, spent, reserved and remaining amounts; exit 1 when one is exhausted.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var ledger = CommonOptions.Ledger();
        var json = CommonOptions.Json();
        var budget = CommonOptions.Budget("Only this budget's pools (its scopes and windows).");
        var watch = new Option<bool>("--watch", "-w") { Description = "Refresh until Ctrl+C (exits 0)." };
        var interval = new Option<double>("--interval")
        {
            Description = "Seconds between refreshes with --watch.",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => 2,
        };
        interval.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is < 0.1 or > 3600)
            {
                r.AddError("--interval must be between 0.1 and 3600 seconds.");
            }
        });

        var command = new Command("status", "Every budget, scope and window pool: limit, spent, reserved, remaining and utilization. Exit 1 when a pool shown is exhausted.")
        {
            ledger, budget, json, watch, interval,
        };
        command.SetAction(async (parse, ct) =>
        {
            await using var opened = await OpenLedger.OpenAsync(parse.GetValue(ledger), ct).ConfigureAwait(false);
            string? name = parse.GetValue(budget);
            bool asJson = parse.GetValue(json);
            var snapshot = await StatusSnapshot.ReadAsync(opened, name, ct).ConfigureAwait(false);
            if (!parse.GetValue(watch))
            {
                Write(snapshot, asJson);
                return snapshot.AnyExhausted ? ExitCodes.Refused : ExitCodes.Ok;
            }

            await WatchAsync(opened, snapshot, name, asJson, TimeSpan.FromSeconds(parse.GetValue(interval)), ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Write(StatusSnapshot snapshot, bool asJson, bool indented = true)
    {
        if (asJson)
        {
            CliJson.Write(new { snapshot.Ledger, snapshot.Budget, snapshot.Time, snapshot.AnyExhausted, snapshot.Pools }, indented);
        }
        else
        {
            AnsiConsole.Write(StatusView.Render(snapshot));
            AnsiConsole.WriteLine();
        }
    }

    /// <summary>Refreshes until Ctrl+C: a live table in a terminal, else one snapshot after another (one JSON object per line with --json).</summary>
    private static async Task WatchAsync(OpenLedger ledger, StatusSnapshot first, string? budget, bool asJson, TimeSpan interval, CancellationToken ct)
    {
        try
        {
            if (asJson || !AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
            {
                for (var snapshot = first; ; snapshot = await StatusSnapshot.ReadAsync(ledger, budget, ct).ConfigureAwait(false))
                {
                    Write(snapshot, asJson, indented: false);
                    await Task.Delay(interval, ct).ConfigureAwait(false);
                }
            }

            await AnsiConsole.Live(StatusView.Render(first)).StartAsync(async live =>
            {
                while (true)
                {
                    await Task.Delay(interval, ct).ConfigureAwait(false);
                    live.UpdateTarget(StatusView.Render(await StatusSnapshot.ReadAsync(ledger, budget, ct).ConfigureAwait(false)));
                }
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl+C is how a watch ends.
        }
    }
}
