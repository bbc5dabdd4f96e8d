using Microsoft.Extensions.DependencyInjection;

namespace AgentGuard.Cli.Ledgers;

/// <summary><c>sqlite:PATH</c> (or <c>sqlite:///ABSOLUTE/PATH</c>): a ledger file on this host.</summary>
internal sealed class SqliteLedgerSpec(string path) : LedgerSpec
{
    public string Path { get; } = path;

    public static SqliteLedgerSpec FromPath(string rest)
    {
        // sqlite:///var/lib/budget.db and sqlite:budget.db both name a file.
        string path = rest.StartsWith("//", StringComparison.Ordinal) ? rest[2..] : rest;
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new CliException("The SQLite ledger needs a file: sqlite:PATH, for example sqlite:budget.db.");
        }

        return new SqliteLedgerSpec(System.IO.Path.GetFullPath(path));
    }

    public override void Register(IAgentGuardBudgetBuilder budget) => budget.UseSqliteLedger(Path);

    // The SQLite ledger creates its file on first use: a mistyped path must not leave an empty ledger behind.
    public override void EnsureExists()
    {
        if (!File.Exists(Path))
        {
            throw new CliException($"No SQLite ledger at {Path}: the file does not exist.");
        }
    }
}
