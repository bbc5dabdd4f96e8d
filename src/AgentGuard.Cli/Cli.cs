using System.CommandLine;
using System.CommandLine.Help;
using AgentGuard.Cli.Commands;
using AgentGuard.Http;

namespace AgentGuard.Cli;

/// <summary>The root command, and the one place where failures become a line on standard error and an exit code.</summary>
internal static class Cli
{
    // A command named after the tool rather than a RootCommand, whose name is the entry assembly's (AgentGuard.Cli).
    public static Command CreateRoot() => new("agentguard", "See and steer the budgets AgentGuard.Http keeps in a shared ledger (SQLite, Redis, PostgreSQL).")
    {
        new HelpOption(),
        new VersionOption(),
        StatusCommand.Create(),
        ReportCommand.Create(),
        SetBudgetCommand.Create(),
        ResetCommand.Create(),
        PricesCommand.Create(),
        GatewayCommand.Create(),
        EstimateCommand.Create(),
    };

    public static async Task<int> RunAsync(string[] args)
    {
        // Spectre assumes 80 columns when the output is not a terminal; a file or a pipe has no width to respect.
        if (Console.IsOutputRedirected)
        {
            Spectre.Console.AnsiConsole.Profile.Width = Math.Max(Spectre.Console.AnsiConsole.Profile.Width, 160);
        }

        var parsed = CreateRoot().Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // System.CommandLine answers a usage error with 1; here 1 means "refused or over", so usage errors are ours to report.
            WriteError(string.Join(" ", parsed.Errors.Select(e => OneLine(e.Message))) + " Run 'agentguard --help' for usage.");
            return ExitCodes.Usage;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
        }
        catch (CliException ex)
        {
            WriteError(ex.Message);
            return ex.ExitCode;
        }
        catch (BudgetLedgerUnavailableException ex)
        {
            WriteError($"The ledger {ex.Ledger} cannot be reached: {Gist(ex.InnerException?.Message ?? ex.Message)}");
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException)
        {
            WriteError("Cancelled.");
            return ExitCodes.Usage;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            WriteError(ex.Message);
            return ExitCodes.Usage;
        }
    }

    /// <summary>One line on standard error, with any credential this run has seen masked.</summary>
    public static void WriteError(string message) =>
        Console.Error.WriteLine("agentguard: " + Secrets.Redact(FirstLine(message)));

    /// <summary>A parse error's lines (a list of accepted values) joined into one.</summary>
    private static string OneLine(string text) =>
        string.Join(" ", text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>
    /// The gist of a driver's message: its first line, without the diagnostics some drivers append after " - "
    /// (StackExchange.Redis adds a kilobyte of connection state), and never longer than one screen line or two.
    /// </summary>
    private static string Gist(string message)
    {
        const int MaxLength = 200;
        string line = FirstLine(message);
        int details = line.IndexOf(" - ", StringComparison.Ordinal);
        if (details > 0)
        {
            line = line[..details];
        }

        return line.Length <= MaxLength ? line : line[..MaxLength] + "…";
    }

    private static string FirstLine(string text)
    {
        int end = text.IndexOfAny(['\r', '\n']);
        return (end < 0 ? text : text[..end]).Trim();
    }
}
