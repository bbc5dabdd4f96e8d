using AgentGuard.Http;
using AgentGuard.Http.Sqlite;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Keeps a budget in a SQLite file.</summary>
public static class SqliteLedgerBuilderExtensions
{
    /// <summary>
    /// Keeps the budget in the SQLite database file at <paramref name="path"/>, shared by every process on this host that
    /// names the same file. Busy errors are retried briefly; a file that cannot be used refuses calls with
    /// <see cref="BudgetLedgerUnavailableException"/> (fail closed). Leases expire by the <see cref="TimeProvider"/> in the
    /// services (<see cref="TimeProvider.System"/> when there is none).
    /// </summary>
    /// <param name="builder">The budget, from <c>AddAgentGuardBudget(name)</c>.</param>
    /// <param name="path">The database file (relative to the current directory); its directory must exist.</param>
    /// <param name="configure">Sets other options (durability, busy timeout, spend log retention).</param>
    /// <example><c>services.AddAgentGuardBudget("agents").UseSqliteLedger("/var/lib/myapp/budget.db");</c></example>
    public static IAgentGuardBudgetBuilder UseSqliteLedger(this IAgentGuardBudgetBuilder builder, string path, Action<SqliteLedgerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var options = new SqliteLedgerOptions { Path = System.IO.Path.GetFullPath(path) };
        configure?.Invoke(options);

        // The description names the file, so budgets kept in the same file share one ledger and its connections.
        string description = SqliteBudgetLedger.DescriptionOf(SqliteBudgetLedger.Validate(options).DataSource);
        return builder.UseLedger(description, sp =>
        {
            var time = sp.GetService<TimeProvider>();
            return new ResilientBudgetLedger(new SqliteBudgetLedger(options, time), description, SqliteBudgetLedger.IsTransient, time);
        });
    }
}
