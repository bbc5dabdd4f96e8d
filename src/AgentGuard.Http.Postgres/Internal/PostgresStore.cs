using System.Data.Common;
using System.Net.Sockets;
using Npgsql;

namespace AgentGuard.Http.Postgres.Internal;

/// <summary>How the store is named in messages and told apart in DI, and which of its errors are worth a retry.</summary>
internal static class PostgresStore
{
    /// <summary>
    /// <c>postgres://host:port/database</c>, never the user or the password; a schema other than the default is
    /// appended as <c>?schema=name</c>, since two schemas of one database are two stores.
    /// </summary>
    public static string Describe(PostgresLedgerOptions options)
    {
        var settings = new NpgsqlConnectionStringBuilder(options.DataSource?.ConnectionString ?? options.ConnectionString);
        string host = string.IsNullOrEmpty(settings.Host) ? "localhost" : settings.Host;
        string database = string.IsNullOrEmpty(settings.Database) ? "" : settings.Database;
        string description = $"postgres://{host}:{settings.Port}/{database}";
        return options.Schema == PostgresLedgerOptions.DefaultSchema ? description : $"{description}?schema={options.Schema}";
    }

    /// <summary>
    /// The data source the ledger builds from a connection string, with defaults for what the string leaves unset:
    /// a 5-second connect timeout (Npgsql's 15, retried three times, would hold every call for most of a minute
    /// before refusing it), no session reset when a connection returns to the pool (the ledger never changes session
    /// state), and automatic preparation of the ledger's statements with generic plans (planning its CTEs costs more
    /// than running them).
    /// Behind PgBouncer in transaction mode without prepared statement support, set <c>Max Auto Prepare=0</c>.
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);

        // The builder answers every known keyword: what the caller set is in its normalized string.
        var given = new DbConnectionStringBuilder { ConnectionString = settings.ConnectionString };
        if (!given.ContainsKey("Timeout"))
        {
            settings.Timeout = 5;
        }

        if (!given.ContainsKey("No Reset On Close"))
        {
            settings.NoResetOnClose = true;
        }

        if (!given.ContainsKey("Max Auto Prepare"))
        {
            settings.MaxAutoPrepare = 20;
        }

        // Prepared, the statements are planned once per connection: the custom plans PostgreSQL would otherwise try
        // first (and keep for the settlement, whose generic plan it estimates dearer) cost more than running them.
        if (settings.Options?.Contains("plan_cache_mode", StringComparison.Ordinal) != true)
        {
            settings.Options = $"{settings.Options} -c plan_cache_mode=force_generic_plan".TrimStart();
        }

        return NpgsqlDataSource.Create(settings);
    }

    /// <summary>
    /// Errors a short retry may cure: what Npgsql calls transient (a lost or refused connection, a server shutting
    /// down, a deadlock or serialization failure), a socket error and a timeout. Every operation is idempotent on its
    /// lease id, so a retry after a lost acknowledgement changes nothing twice.
    /// </summary>
    public static bool IsTransient(Exception exception) =>
        exception is NpgsqlException { IsTransient: true } or SocketException or TimeoutException;
}
