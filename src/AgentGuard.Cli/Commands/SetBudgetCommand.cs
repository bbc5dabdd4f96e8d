using System.CommandLine;
using AgentGuard.Cli.Ledgers;
using AgentGuard.Cli.Output;
using AgentGuard.Cli.Status;
using Spectre.Console;

namespace AgentGuard.Cli.Commands;

/// <summary><c>agentguard set-budget POOL USD</c>: changes a pool's limit in the store (the stored limit wins over the apps' options).</summary>
internal static class SetBudgetCommand
{
    public static Command Create()
    {
        var ledger = CommonOptions.Ledger();
        var json = CommonOptions.Json();
        var pool = new Argument<string>("POOL") { Description = "The pool: budget[/level:id]...[@window], for example agents, agents/tenant:acme or agents@2026-11." };
        var usd = new Argument<string>("USD") { Description = "The new limit in USD, for example 25 or 0.50." };
        var create = new Option<bool>("--create") { Description = "Create the pool when it does not exist yet (otherwise an unknown pool is an error, to catch typos)." };
        var command = new Command("set-budget", "Set a pool's limit in the ledger. Running apps pick it up on their next call; it survives their restarts.")
        {
            pool, usd, ledger, create, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            // Everything the user typed is checked before the store is touched.
            var key = PoolKey.Parse(parse.GetValue(pool)!);
            long limit = Money.ParseLimit(parse.GetValue(usd)!, "The limit");
            await using var opened = await OpenLedger.OpenAsync(parse.GetValue(ledger), ct).ConfigureAwait(false);
            long? before = null;
            if (!parse.GetValue(create))
            {
                before = (await BudgetPools.FindAsync(opened, key, ct).ConfigureAwait(false)).LimitMicros;
            }

            var state = await opened.Ledger.SetLimitAsync(key.Key, limit, ct).ConfigureAwait(false);
            var after = PoolStatus.From(state);
            if (parse.GetValue(json))
            {
                CliJson.Write(new { Ledger = opened.Description, PreviousLimitMicros = before, Pool = after });
            }
            else
            {
                string from = before is { } b ? $" (was {Money.Usd(b)})" : "";
                AnsiConsole.MarkupLine($"[bold]{Markup.Escape(key.Key)}[/]: limit {Money.Usd(state.LimitMicros)}{from}; " +
                    $"spent {Money.Usd(state.SpentMicros)}, reserved {Money.Usd(state.ReservedMicros)}, remaining {Money.Usd(state.RemainingMicros)}.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
