using System.CommandLine;
using AgentGuard.Cli.Ledgers;

namespace AgentGuard.Cli;

/// <summary>Options several commands take; each command gets its own instances.</summary>
internal static class CommonOptions
{
    public static Option<string?> Ledger() => new("--ledger", "-l")
    {
        Description = $"The ledger: sqlite:PATH, redis://HOST:PORT, postgres://USER@HOST:PORT/DB or a PostgreSQL connection string. Default: ${LedgerSpec.EnvironmentVariable}.",
        HelpName = "SPEC",
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Write JSON to standard output instead of tables, for scripts.",
    };

    public static Option<string?> Budget(string description) => new("--budget", "-b")
    {
        Description = description,
        HelpName = "NAME",
    };

    public static Option<string?> PricesFile() => new("--prices-file")
    {
        Description = "A JSON price file in the embedded table's format: its models replace or add to the embedded prices.",
        HelpName = "FILE",
    };
}
