using System.CommandLine;
using AgentGuard.Cli.Ledgers;
using AgentGuard.Cli.Output;
using AgentGuard.Cli.Status;
using AgentGuard.Http;
using Spectre.Console;

namespace AgentGuard.Cli.Commands;

/// <summary><c>agentguard reset POOL</c>: zeroes a pool's spent amount and warnings, after a confirmation (or <c>--yes</c>).</summary>
internal static class ResetCommand
{
    public static Command Create()
    {
        var ledger = CommonOptions.Ledger();
        var json = CommonOptions.Json();
        var pool = new Argument<string>("POOL") { Description = "The pool: budget[/level:id]...[@window]." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation (required when standard input is not a terminal)." };
        var command = new Command("reset", "Zero a pool's spent amount and its warnings. Reservations of calls in flight are kept and settle into the reset pool.")
        {
            pool, ledger, yes, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var key = PoolKey.Parse(parse.GetValue(pool)!);
            bool confirmed = parse.GetValue(yes);

            // A script without --yes must not hang on a prompt nobody sees, nor reset anything.
            if (!confirmed && (Console.IsInputRedirected || !AnsiConsole.Profile.Capabilities.Interactive))
            {
                throw new CliException($"Resetting '{key.Key}' needs a confirmation: standard input is not a terminal, so pass --yes.");
            }

            await using var opened = await OpenLedger.OpenAsync(parse.GetValue(ledger), ct).ConfigureAwait(false);
            var before = await BudgetPools.FindAsync(opened, key, ct).ConfigureAwait(false);
            if (!confirmed && !await AnsiConsole.ConfirmAsync(
                $"Reset [bold]{Markup.Escape(key.Key)}[/] in {Markup.Escape(opened.Description)} (spent {Money.Usd(before.SpentMicros)} of {Money.Usd(before.LimitMicros)})?",
                defaultValue: false,
                ct).ConfigureAwait(false))
            {
                Console.Error.WriteLine("agentguard: Not reset.");
                return ExitCodes.Refused;
            }

            await opened.Ledger.ResetAsync(key.Key, ct).ConfigureAwait(false);
            var after = await opened.Ledger.GetStateAsync(new BudgetPool(key.Key, before.LimitMicros), ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                CliJson.Write(new { Ledger = opened.Description, PreviousSpentMicros = before.SpentMicros, Pool = PoolStatus.From(after) });
            }
            else
            {
                AnsiConsole.MarkupLine($"[bold]{Markup.Escape(key.Key)}[/] reset: spent {Money.Usd(after.SpentMicros)} (was {Money.Usd(before.SpentMicros)}), " +
                    $"reserved {Money.Usd(after.ReservedMicros)}, remaining {Money.Usd(after.RemainingMicros)} of {Money.Usd(after.LimitMicros)}.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
