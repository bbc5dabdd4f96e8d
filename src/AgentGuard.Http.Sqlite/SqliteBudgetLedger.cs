using System.Globalization;
using AgentGuard.Http.Ledgers;
using Microsoft.Data.Sqlite;

namespace AgentGuard.Http.Sqlite;

/// <summary>
/// A budget ledger in a SQLite file, shared by every process on the host that opens the same file: writes are short
/// <c>BEGIN IMMEDIATE</c> transactions (reservations all-or-nothing over their pools), the journal is WAL (readers
/// never block the writer) and commits are flushed with <c>synchronous=FULL</c> unless
/// <see cref="SqliteLedgerOptions.Synchronous"/> says otherwise. The schema is created on first use.
/// <para>
/// Group commit (<see cref="SqliteLedgerOptions.Batching"/>, on by default): the reservations, settlements and
/// extensions that this process's callers make while a transaction is under way run together in the next one, one
/// flush for all, each with its own outcome; one operation's failure rolls back nothing of the others (the
/// transaction runs again without it). See <see cref="LedgerBatcher"/>.
/// </para>
/// <para>
/// Leases expire by the injected <see cref="TimeProvider"/>: the processes of one host share one clock. Expiry is applied
/// by every operation (and by <see cref="SweepExpiredAsync"/>). The file must be on a local disk: network filesystems
/// break SQLite's locking.
/// </para>
/// <para>
/// Store errors surface as <see cref="SqliteException"/>; wrap the ledger in a <see cref="ResilientBudgetLedger"/> with
/// <see cref="IsTransient"/> (as <c>UseSqliteLedger</c> does) to retry busy errors briefly and fail closed with
/// <see cref="BudgetLedgerUnavailableException"/>.
/// </para>
/// </summary>
public sealed partial class SqliteBudgetLedger : IBudgetLedger, IDisposable
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;

    private readonly TimeProvider _time;
    private readonly SpendLogRetention _retention;
    private readonly long _finishedLeaseRetentionMs;
    private readonly LedgerConnectionPool _connections;

    // SQLite admits one writer at a time: this process's writers queue here instead of polling the file lock, which
    // only other processes then contend for. Held only while a write runs, synchronously.
    private readonly Lock _writeGate = new();
    private LedgerConnection? _writer;
    private volatile bool _schemaReady;
    private volatile bool _disposed;
    private readonly LedgerBatcher _batcher;
    private int _settlementsSincePrune;

    /// <summary>Opens (or creates on first use) the ledger in the database <paramref name="options"/> name.</summary>
    /// <param name="options">The file and how to write it.</param>
    /// <param name="timeProvider">The clock that judges lease expiry; <see cref="TimeProvider.System"/> when omitted.</param>
    /// <exception cref="ArgumentException">The options name no file, or hold a value out of range.</exception>
    public SqliteBudgetLedger(SqliteLedgerOptions options, TimeProvider? timeProvider = null)
    {
        var connectionString = Validate(options);
        _retention = options.SpendLogRetention;
        _time = timeProvider ?? TimeProvider.System;
        _finishedLeaseRetentionMs = (long)options.FinishedLeaseRetention.TotalMilliseconds;
        FilePath = connectionString.DataSource;
        _connections = new LedgerConnectionPool(connectionString.ToString(), ConnectionPragmas(options));
        _batcher = new LedgerBatcher(ExecuteBatchAsync, options.Batching, options.MaxBatchSize);
    }

    /// <summary>Opens (or creates on first use) the ledger in the database file at <paramref name="path"/>, with the default options.</summary>
    /// <param name="path">The database file; its directory must exist.</param>
    /// <param name="timeProvider">The clock that judges lease expiry; <see cref="TimeProvider.System"/> when omitted.</param>
    public SqliteBudgetLedger(string path, TimeProvider? timeProvider = null)
        : this(new SqliteLedgerOptions { Path = path }, timeProvider)
    {
    }

    /// <summary>The database file's full path.</summary>
    public string FilePath { get; }

    /// <summary>How this process's reservations, settlements and extensions were grouped into transactions (<see cref="SqliteLedgerOptions.Batching"/>).</summary>
    public LedgerBatchStatistics BatchStatistics => _batcher.Statistics;

    /// <summary>The store, for messages and to tell stores apart: <c>sqlite:</c> and the file's full path.</summary>
    public string Description => DescriptionOf(FilePath);

    /// <summary>
    /// Whether a store error is worth a short retry: <c>SQLITE_BUSY</c> or <c>SQLITE_LOCKED</c> (another process held the
    /// database longer than the busy timeout). Every other error (a file that cannot be opened, is not a database, a full
    /// disk) is not.
    /// </summary>
    public static bool IsTransient(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: var code } && (code & 0xFF) is SqliteBusy or SqliteLocked;

    /// <inheritdoc />
    public ValueTask<ReservationResult> ReserveAsync(ReservationRequest request, CancellationToken cancellationToken = default) =>
        _batcher.ReserveAsync(CheckReservation(request), cancellationToken: cancellationToken);

    /// <inheritdoc />
    public ReservationResult Reserve(ReservationRequest request) => _batcher.Reserve(CheckReservation(request));

    /// <inheritdoc />
    public ValueTask<SettlementResult> CommitAsync(string leaseId, long actualCostMicros, CancellationToken cancellationToken = default) =>
        SettleAsync(new SettlementRequest(leaseId, actualCostMicros, SpendDetails.Of(SpendOutcome.SettledFromUsage)), cancellationToken);

    /// <inheritdoc />
    public SettlementResult Commit(string leaseId, long actualCostMicros) =>
        Settle(new SettlementRequest(leaseId, actualCostMicros, SpendDetails.Of(SpendOutcome.SettledFromUsage)));

    /// <inheritdoc />
    public ValueTask<SettlementResult> ReleaseAsync(string leaseId, CancellationToken cancellationToken = default) =>
        SettleAsync(new SettlementRequest(leaseId, null, SpendDetails.Of(SpendOutcome.Released)), cancellationToken);

    /// <inheritdoc />
    public SettlementResult Release(string leaseId) => Settle(new SettlementRequest(leaseId, null, SpendDetails.Of(SpendOutcome.Released)));

    /// <inheritdoc />
    public ValueTask<SettlementResult> SettleAsync(SettlementRequest settlement, CancellationToken cancellationToken = default) =>
        _batcher.SettleAsync(CheckSettlement(settlement), cancellationToken: cancellationToken);

    /// <inheritdoc />
    public SettlementResult Settle(SettlementRequest settlement) => _batcher.Settle(CheckSettlement(settlement));

    /// <inheritdoc />
    public ValueTask<bool> ExtendAsync(string leaseId, TimeSpan leaseDuration, CancellationToken cancellationToken = default) =>
        _batcher.ExtendAsync(CheckLease(leaseId), leaseDuration, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public bool Extend(string leaseId, TimeSpan leaseDuration) => _batcher.Extend(CheckLease(leaseId), leaseDuration);

    /// <inheritdoc />
    public ValueTask<BudgetPoolState> GetStateAsync(BudgetPool pool, CancellationToken cancellationToken = default) =>
        GetStateCoreAsync(pool, async: true, cancellationToken);

    /// <inheritdoc />
    public BudgetPoolState GetState(BudgetPool pool) =>
        SyncPath.Complete(GetStateCoreAsync(pool, async: false, CancellationToken.None));

    /// <inheritdoc />
    public async ValueTask ResetAsync(string poolKey, CancellationToken cancellationToken = default) =>
        await ResetCoreAsync(poolKey, async: true, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public void Reset(string poolKey) =>
        SyncPath.Complete(ResetCoreAsync(poolKey, async: false, CancellationToken.None));

    /// <inheritdoc />
    public ValueTask<bool> TryClaimWarningAsync(string poolKey, decimal thresholdPercent, CancellationToken cancellationToken = default) =>
        TryClaimWarningCoreAsync(poolKey, thresholdPercent, async: true, cancellationToken);

    /// <inheritdoc />
    public bool TryClaimWarning(string poolKey, decimal thresholdPercent) =>
        SyncPath.Complete(TryClaimWarningCoreAsync(poolKey, thresholdPercent, async: false, CancellationToken.None));

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<BudgetPoolState>> ListPoolsAsync(string? keyPrefix = null, CancellationToken cancellationToken = default) =>
        ListPoolsCoreAsync(keyPrefix, cancellationToken);

    /// <inheritdoc />
    public ValueTask<BudgetPoolState> SetLimitAsync(string poolKey, long limitMicros, CancellationToken cancellationToken = default) =>
        SetLimitCoreAsync(poolKey, limitMicros, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SpendLogEntry>> ReadSpendLogAsync(SpendLogQuery query, CancellationToken cancellationToken = default) =>
        ReadSpendLogCoreAsync(query, cancellationToken);

    /// <inheritdoc />
    public ValueTask<int> SweepExpiredAsync(CancellationToken cancellationToken = default) =>
        SweepCoreAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask PingAsync(CancellationToken cancellationToken = default) =>
        await ReadAsync(0, static async (tx, _) => await tx.Command("SELECT count(*) FROM pools WHERE 0;").ScalarAsync(tx.Async, tx.Ct).ConfigureAwait(false), snapshot: false, async: true, cancellationToken).ConfigureAwait(false);

    /// <summary>Closes the ledger's connections to the file. Operations afterwards throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        _disposed = true;
        _connections.Dispose();

        // An operation still writing finishes first; those after it find the ledger disposed.
        lock (_writeGate)
        {
            _writer?.Dispose();
            _writer = null;
        }
    }

    internal static string DescriptionOf(string filePath) => "sqlite:" + filePath;

    private ReservationRequest CheckReservation(ReservationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        ObjectDisposedException.ThrowIf(_disposed, this);
        return request;
    }

    private SettlementRequest CheckSettlement(SettlementRequest settlement)
    {
        ArgumentNullException.ThrowIfNull(settlement);
        ArgumentException.ThrowIfNullOrEmpty(settlement.LeaseId);
        ArgumentNullException.ThrowIfNull(settlement.Details);
        ArgumentOutOfRangeException.ThrowIfNegative(settlement.CostMicros ?? 0, nameof(settlement));
        ObjectDisposedException.ThrowIf(_disposed, this);
        return settlement;
    }

    private string CheckLease(string leaseId)
    {
        ArgumentException.ThrowIfNullOrEmpty(leaseId);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return leaseId;
    }

    /// <summary>Checks the options (at registration too, so that a mistake fails at startup) and builds the connection string.</summary>
    internal static SqliteConnectionStringBuilder Validate(SqliteLedgerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.BusyTimeout < TimeSpan.FromMilliseconds(1) || options.BusyTimeout.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.BusyTimeout, "SqliteLedgerOptions.BusyTimeout must be between 1 millisecond and 24 days.");
        }

        if (options.FinishedLeaseRetention < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.FinishedLeaseRetention, "SqliteLedgerOptions.FinishedLeaseRetention must not be negative.");
        }

        if (options.SpendLogRetention is not { MaxEntries: >= 0 } retention || retention.MaxAge < TimeSpan.Zero)
        {
            throw new ArgumentException("SqliteLedgerOptions.SpendLogRetention must be set, with MaxEntries and MaxAge not negative.", nameof(options));
        }

        if (!Enum.IsDefined(options.Synchronous))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Synchronous, "SqliteLedgerOptions.Synchronous must be Full or Normal.");
        }

        LedgerBatcher.ValidateMaxBatchSize(options.MaxBatchSize, "SqliteLedgerOptions.MaxBatchSize");

        var builder = new SqliteConnectionStringBuilder(options.ConnectionString ?? string.Empty);
        if (options.Path is not null)
        {
            builder.DataSource = options.Path;
        }

        if (string.IsNullOrWhiteSpace(builder.DataSource) || builder.DataSource == ":memory:" || builder.Mode == SqliteOpenMode.Memory)
        {
            throw new ArgumentException("SqliteLedgerOptions needs a database file: set Path (or the Data Source of ConnectionString).", nameof(options));
        }

        builder.DataSource = System.IO.Path.GetFullPath(builder.DataSource);

        // Connections are pooled by the ledger. Write transactions begin through SQLite itself, whose busy handler
        // (busy_timeout) waits in steps of 1 to 100 ms; the few statements that can still meet a busy file otherwise
        // (reads during a WAL recovery) go through Microsoft.Data.Sqlite's retry loop, whose limit is whole seconds.
        builder.Pooling = false;
        builder.DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds));
        return builder;
    }

    private static string ConnectionPragmas(SqliteLedgerOptions options) => string.Create(
        CultureInfo.InvariantCulture,
        $"PRAGMA busy_timeout = {(int)Math.Ceiling(options.BusyTimeout.TotalMilliseconds)}; PRAGMA synchronous = {(options.Synchronous == SqliteSynchronousMode.Normal ? "NORMAL" : "FULL")};");
}
