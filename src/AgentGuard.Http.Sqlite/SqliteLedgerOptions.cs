using AgentGuard.Http.Ledgers;

namespace AgentGuard.Http.Sqlite;

/// <summary>Where a <see cref="SqliteBudgetLedger"/> keeps its budgets and how it writes them.</summary>
public sealed class SqliteLedgerOptions
{
    /// <summary>
    /// The database file (relative paths are resolved against the current directory when the ledger is created). Its
    /// directory must exist; the file and its schema are created on first use. Overrides the <c>Data Source</c> of
    /// <see cref="ConnectionString"/>.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>
    /// A Microsoft.Data.Sqlite connection string, for settings beyond the path (its <c>Data Source</c> is the file unless
    /// <see cref="Path"/> is set). Pooling and the default timeout are managed by the ledger and overridden.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>How hard commits are flushed to disk: <see cref="SqliteSynchronousMode.Full"/> (the default) or the faster <see cref="SqliteSynchronousMode.Normal"/>.</summary>
    public SqliteSynchronousMode Synchronous { get; set; } = SqliteSynchronousMode.Full;

    /// <summary>
    /// How long an operation waits for another process's write transaction before failing with <c>SQLITE_BUSY</c>
    /// (<c>PRAGMA busy_timeout</c>); 5 seconds by default, at least 1 millisecond.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = SqliteLedgerDefaults.BusyTimeout;

    /// <summary>How much of the spend log is kept (<see cref="SpendLogRetention.Default"/>: 100,000 entries, 90 days).</summary>
    public SpendLogRetention SpendLogRetention { get; set; } = SpendLogRetention.Default;

    /// <summary>
    /// How long a settled or expired lease is remembered, so that a repeated reservation or settlement is recognized and a
    /// late settlement of an expired lease refunds it; 1 hour by default. A lease forgotten before its late settlement
    /// keeps its full charge.
    /// </summary>
    public TimeSpan FinishedLeaseRetention { get; set; } = SqliteLedgerDefaults.FinishedLeaseRetention;

    /// <summary>
    /// Whether the reservations, settlements and extensions that this process's callers make while a write is under
    /// way share the next write transaction (group commit: one <c>BEGIN IMMEDIATE</c> and one flush for all of them,
    /// each with its own outcome); <see langword="true"/> by default. A caller that finds the ledger idle never waits
    /// for others. <see langword="false"/> gives every operation a transaction of its own.
    /// </summary>
    public bool Batching { get; set; } = true;

    /// <summary>The most operations one transaction holds when <see cref="Batching"/> is on: 1 to 1,000, 128 by default.</summary>
    public int MaxBatchSize { get; set; } = LedgerBatcher.DefaultMaxBatchSize;
}
