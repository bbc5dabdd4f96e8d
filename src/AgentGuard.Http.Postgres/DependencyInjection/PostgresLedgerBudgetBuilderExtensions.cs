using AgentGuard.Http;
using AgentGuard.Http.Postgres;
using AgentGuard.Http.Postgres.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Keeps a budget in PostgreSQL.</summary>
public static class PostgresLedgerBudgetBuilderExtensions
{
    /// <summary>
    /// Keeps the budget in the PostgreSQL database <paramref name="connectionString"/> names, shared by every process
    /// and host that uses the same database and schema. Transient errors (a lost connection, a server restarting, a
    /// timeout) are retried briefly; a server that stays unreachable refuses calls with
    /// <see cref="BudgetLedgerUnavailableException"/> (fail closed).
    /// </summary>
    /// <example><c>services.AddAgentGuardBudget("agents").UsePostgresLedger("Host=db;Database=app;Username=agentguard;Password=...");</c></example>
    /// <param name="builder">The budget.</param>
    /// <param name="connectionString">The Npgsql connection string.</param>
    /// <param name="configure">Sets the schema (default <c>agentguard</c>), the spend log's retention, or a data source to use instead.</param>
    public static IAgentGuardBudgetBuilder UsePostgresLedger(this IAgentGuardBudgetBuilder builder, string connectionString, Action<PostgresLedgerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        var options = new PostgresLedgerOptions { ConnectionString = connectionString };
        configure?.Invoke(options);
        options.Validate();
        string description = PostgresStore.Describe(options);
        return builder.UseLedger(
            description,
            sp => new ResilientBudgetLedger(new PostgresBudgetLedger(options), description, PostgresStore.IsTransient, sp.GetService<TimeProvider>()));
    }
}
