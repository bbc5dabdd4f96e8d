using AgentGuard.Http.Ledgers;
using Npgsql;

namespace AgentGuard.Http.Postgres;

/// <summary>Where a <see cref="PostgresBudgetLedger"/> keeps its budgets, and how much history it keeps.</summary>
public sealed class PostgresLedgerOptions
{
    /// <summary>The default <see cref="Schema"/>.</summary>
    public const string DefaultSchema = "agentguard";

    /// <summary>
    /// The Npgsql connection string (for example <c>Host=db;Database=app;Username=agentguard;Password=...</c>). Used when
    /// <see cref="DataSource"/> is not set; the ledger then owns the data source it builds and disposes it. Unless the
    /// string sets them, the ledger uses <c>Timeout=5</c>, <c>No Reset On Close=true</c>, <c>Max Auto Prepare=20</c> and
    /// <c>plan_cache_mode=force_generic_plan</c> in <c>Options</c> (set <c>Max Auto Prepare=0</c> behind a pooler that
    /// cannot keep prepared statements).
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>A data source to use instead of <see cref="ConnectionString"/> (shared with the application, not disposed by the ledger).</summary>
    public NpgsqlDataSource? DataSource { get; set; }

    /// <summary>The schema of the ledger's tables (created on first use when missing); <c>agentguard</c> by default.</summary>
    public string Schema { get; set; } = DefaultSchema;

    /// <summary>How much of the spend log the ledger keeps; <see cref="SpendLogRetention.Default"/> by default.</summary>
    public SpendLogRetention SpendLogRetention { get; set; } = SpendLogRetention.Default;

    /// <summary>
    /// How long settled and expired leases are remembered (one hour by default): within it a repeated settlement is
    /// recognised and a late one refunds an expired lease; after it, a settlement of the lease changes nothing.
    /// </summary>
    public TimeSpan FinishedLeaseRetention { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Whether the reservations, settlements and extensions that this process's callers make while a transaction is
    /// under way share the next one (group commit: one transaction, one round trip and one WAL flush for all of them,
    /// each with its own outcome); <see langword="true"/> by default. A caller that finds the ledger idle never waits
    /// for others. <see langword="false"/> gives every operation a transaction of its own.
    /// </summary>
    public bool Batching { get; set; } = true;

    /// <summary>The most operations one transaction holds when <see cref="Batching"/> is on: 1 to 1,000, 128 by default.</summary>
    public int MaxBatchSize { get; set; } = LedgerBatcher.DefaultMaxBatchSize;

    /// <summary>Throws when the options cannot work.</summary>
    internal void Validate()
    {
        if (DataSource is null && string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("A PostgreSQL ledger needs a ConnectionString or a DataSource.", nameof(ConnectionString));
        }

        if (string.IsNullOrWhiteSpace(Schema) || Schema.Contains('\0', StringComparison.Ordinal) || System.Text.Encoding.UTF8.GetByteCount(Schema) > 63)
        {
            throw new ArgumentException($"The schema name must be 1 to 63 bytes without NUL characters, but it is '{Schema}'.", nameof(Schema));
        }

        ArgumentNullException.ThrowIfNull(SpendLogRetention);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(SpendLogRetention.MaxEntries);
        if (SpendLogRetention.MaxAge is { } maxAge)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxAge, TimeSpan.Zero, "SpendLogRetention.MaxAge");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(FinishedLeaseRetention, TimeSpan.Zero, nameof(FinishedLeaseRetention));
        LedgerBatcher.ValidateMaxBatchSize(MaxBatchSize, "PostgresLedgerOptions.MaxBatchSize");
    }
}
