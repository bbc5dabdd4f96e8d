using AgentGuard.Http.Postgres.Sql;
using Npgsql;

namespace AgentGuard.Http.Postgres.Internal;

/// <summary>
/// The ledger's tables, created on first use from the script shipped as <c>schema.sql</c> (embedded: one copy for the
/// code and for DBAs). Creation runs in one transaction under an advisory lock, so that processes starting together
/// do not collide; when the tables exist already nothing is run, so a role without CREATE can use a schema a DBA made.
/// </summary>
internal sealed class PostgresSchema
{
    /// <summary>The schema the script is written for; every quoted occurrence of it is replaced by the configured one.</summary>
    private const string ScriptSchema = "\"" + PostgresLedgerOptions.DefaultSchema + "\"";

    private static readonly Lazy<string> s_template = new(ReadTemplate);

    private readonly string _schema;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _ready;

    public PostgresSchema(string schema)
    {
        _schema = schema;
        Script = ScriptFor(schema);
    }

    /// <summary>The script the ledger runs to create the schema.</summary>
    public string Script { get; }

    /// <summary>The shipped script for a schema: <c>schema.sql</c> with its schema name replaced.</summary>
    public static string ScriptFor(string schema) => s_template.Value.Replace(ScriptSchema, LedgerSql.Quote(schema), StringComparison.Ordinal);

    public async ValueTask EnsureCreatedAsync(NpgsqlDataSource dataSource, bool async, CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return;
        }

        if (async)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _gate.Wait(cancellationToken);
        }

        try
        {
            if (!_ready)
            {
                await CreateAsync(dataSource, async, cancellationToken).ConfigureAwait(false);
                _ready = true;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask CreateAsync(NpgsqlDataSource dataSource, bool async, CancellationToken cancellationToken)
    {
        var connection = await Db.OpenAsync(dataSource, async, cancellationToken).ConfigureAwait(false);
        try
        {
            if (await ExistsAsync(connection, async, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            var transaction = async ? await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false) : connection.BeginTransaction();
            try
            {
                using (var batch = Db.Batch(Db.Statement(
                    "SELECT pg_advisory_xact_lock(hashtext($1))", Parameters.Value("AgentGuard.Http.Postgres schema " + _schema))))
                {
                    batch.Transaction = transaction;
                    await Db.ExecuteAsync(connection, batch, async, cancellationToken).ConfigureAwait(false);
                }

                // Another process may have created or upgraded the tables while this one waited for the lock: running the
                // script again would take its ALTER TABLE locks on tables in use, for nothing.
                if (await ExistsAsync(connection, async, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                // The script has many statements: a command (unlike a batch statement) runs them as written.
                using (var command = new NpgsqlCommand(Script, connection, transaction))
                {
                    try
                    {
                        _ = async ? await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) : command.ExecuteNonQuery();
                    }
                    catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
                    {
                        throw new InvalidOperationException(
                            $"The ledger's tables in schema {_schema} are missing or older than this AgentGuard.Http.Postgres, and this role may not " +
                            $"create or upgrade them ({ex.MessageText}). Run the package's schema.sql as the tables' owner: " +
                            "psql -d DATABASE -v ON_ERROR_STOP=1 -1 -f schema.sql",
                            ex);
                    }
                }

                if (async)
                {
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    transaction.Commit();
                }
            }
            finally
            {
                if (async)
                {
                    await transaction.DisposeAsync().ConfigureAwait(false);
                }
                else
                {
                    transaction.Dispose();
                }
            }
        }
        finally
        {
            await Db.CloseAsync(connection, async).ConfigureAwait(false);
        }
    }

    private async ValueTask<bool> ExistsAsync(NpgsqlConnection connection, bool async, CancellationToken cancellationToken)
    {
        string schema = LedgerSql.Quote(_schema);
        using var batch = Db.Batch(Db.Statement(
            // The newest column too: tables an earlier version made are upgraded by running the script again.
            """
            SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL AND to_regclass($3) IS NOT NULL
               AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($3) AND attname = 'provider' AND NOT attisdropped)
            """,
            Parameters.Value(schema + ".pools"),
            Parameters.Value(schema + ".leases"),
            Parameters.Value(schema + ".spend_log")));
        var rows = await Db.QueryAsync(connection, batch, 0, static r => r.GetBoolean(0), async, cancellationToken).ConfigureAwait(false);
        return rows[0];
    }

    private static string ReadTemplate()
    {
        using var stream = typeof(PostgresSchema).Assembly.GetManifestResourceStream("AgentGuard.Http.Postgres.schema.sql")
            ?? throw new InvalidOperationException("The embedded schema.sql is missing from AgentGuard.Http.Postgres.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
