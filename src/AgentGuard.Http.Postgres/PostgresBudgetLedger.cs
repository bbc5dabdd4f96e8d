using AgentGuard.Http.Ledgers;
using AgentGuard.Http.Postgres.Internal;
using AgentGuard.Http.Postgres.Sql;
using Npgsql;
using static AgentGuard.Http.Postgres.Internal.Parameters;

namespace AgentGuard.Http.Postgres;

/// <summary>
/// Budgets kept in PostgreSQL, shared by every process and host that uses the same database and schema.
/// <para>
/// Each operation is one round trip and one transaction, and operations that arrive while a transaction is under way
/// share the next one (group commit, <see cref="PostgresLedgerOptions.Batching"/>, on by default). A reservation on one pool is a single conditional
/// <c>UPDATE</c>; on several pools, one statement locks the rows in key order (<c>SELECT ... ORDER BY key FOR
/// UPDATE</c>) before checking and reserving all or none. Leases expire by the database's clock (<c>now()</c>): an
/// operation that finds due leases on its pools charges them in full first, in the same transaction, and
/// <see cref="SweepExpiredAsync"/> charges all of them. Durability is the server's: with <c>synchronous_commit=on</c>
/// (PostgreSQL's default) a reservation or settlement that returned survives a crash of the server.
/// </para>
/// <para>
/// The tables are created on first use (see <c>schema.sql</c> in the package). Wrap the ledger in
/// <see cref="ResilientBudgetLedger"/> (as <c>UsePostgresLedger</c> does) so that an unreachable server refuses calls
/// with <see cref="BudgetLedgerUnavailableException"/> after a short retry.
/// </para>
/// </summary>
public sealed partial class PostgresBudgetLedger : IBudgetLedger, IAsyncDisposable
{
    private const short ActiveLease = 0;
    private const short SettledLease = 2;

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly LedgerSql _sql;
    private readonly PostgresSchema _schema;
    private readonly SpendLogRetention _retention;
    private readonly TimeSpan _finishedLeaseRetention;
    private readonly LedgerBatcher _batcher;

    /// <summary>Creates a ledger on the database the options name (nothing is contacted until the first operation).</summary>
    /// <param name="options">The connection, the schema and the retention.</param>
    /// <exception cref="ArgumentException">The options name no database, or an invalid schema or retention.</exception>
    public PostgresBudgetLedger(PostgresLedgerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _ownsDataSource = options.DataSource is null;
        _dataSource = options.DataSource ?? PostgresStore.CreateDataSource(options.ConnectionString!);
        _sql = new LedgerSql(options.Schema);
        _schema = new PostgresSchema(options.Schema);
        _retention = options.SpendLogRetention;
        _finishedLeaseRetention = options.FinishedLeaseRetention;
        Description = PostgresStore.Describe(options);
        _batcher = new LedgerBatcher(ExecuteBatchAsync, options.Batching, options.MaxBatchSize);
    }

    /// <summary>How this process's reservations, settlements and extensions were grouped into transactions (<see cref="PostgresLedgerOptions.Batching"/>).</summary>
    public LedgerBatchStatistics BatchStatistics => _batcher.Statistics;

    /// <summary>The store, for messages: <c>postgres://host:port/database</c>, without user or password.</summary>
    public string Description { get; }

    /// <summary>
    /// Whether an error of this store is worth a short retry (for <see cref="ResilientBudgetLedger"/>): what Npgsql
    /// calls transient (a lost or refused connection, a server shutting down, a deadlock), a socket error, a timeout.
    /// </summary>
    public static bool IsTransient(Exception exception) => PostgresStore.IsTransient(exception);

    /// <summary>
    /// How the options' store is named in messages and told apart from other stores:
    /// <c>postgres://host:port/database</c>, never the user or the password, with <c>?schema=name</c> for a schema
    /// other than the default.
    /// </summary>
    public static string Describe(PostgresLedgerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return PostgresStore.Describe(options);
    }

    /// <inheritdoc />
    public async ValueTask PingAsync(CancellationToken cancellationToken = default)
    {
        var connection = await Db.OpenAsync(_dataSource, async: true, cancellationToken).ConfigureAwait(false);
        try
        {
            using var batch = Db.Batch(Db.Statement("SELECT 1"));
            await Db.ExecuteAsync(connection, batch, async: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await Db.CloseAsync(connection, async: true).ConfigureAwait(false);
        }
    }

    /// <summary>Disposes the data source the ledger built from a connection string (one it was given stays open).</summary>
    public ValueTask DisposeAsync() => _ownsDataSource ? _dataSource.DisposeAsync() : ValueTask.CompletedTask;

    /// <summary>A connection, after making sure (once) that the schema exists.</summary>
    private async ValueTask<NpgsqlConnection> OpenAsync(bool async, CancellationToken cancellationToken)
    {
        await _schema.EnsureCreatedAsync(_dataSource, async, cancellationToken).ConfigureAwait(false);
        return await Db.OpenAsync(_dataSource, async, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The statement that charges the leases the batch's first statement marked (its result: how many).</summary>
    private NpgsqlBatchCommand ChargeMarked() =>
        Db.Statement(_sql.ChargeMarked, Value(_retention.MaxEntries), Interval(_retention.MaxAge), Value(_finishedLeaseRetention));
}
