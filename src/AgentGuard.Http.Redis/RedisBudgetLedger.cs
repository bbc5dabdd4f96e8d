using System.Globalization;
using System.Net;
using AgentGuard.Http.Ledgers;
using AgentGuard.Http.Redis.Internal;
using StackExchange.Redis;

namespace AgentGuard.Http.Redis;

/// <summary>
/// A ledger kept in Redis, shared by every process and host that connects to it. Each operation is one Lua script
/// (atomic on the server, called by its SHA-1), over keys that all carry the budget's name as their hash tag, so a
/// reservation over several pools of a budget is all-or-nothing even on Redis Cluster. Leases are timed by the
/// server's clock (<c>TIME</c>), and each script first charges the budget's leases that expired: no background job.
/// <para>
/// Durability is the server's: committed spend survives a restart only with <c>appendonly yes</c> and
/// <c>appendfsync always</c>. Wrap it in <see cref="ResilientBudgetLedger"/> (as <c>UseRedisLedger</c> does) so that
/// an unreachable server refuses calls with <see cref="BudgetLedgerUnavailableException"/>.
/// </para>
/// </summary>
public sealed partial class RedisBudgetLedger : IBudgetLedger, IAsyncDisposable
{
    // Lua numbers are doubles: a reservation or a cost above 2^53 micro-dollars (about 9 billion USD) is refused as an
    // argument error rather than rounded. Limits and totals are 64-bit exact (HINCRBY, and a split comparison).
    private const long MaxExactMicros = 1L << 53;

    // Lease durations are kept well inside a double's exact range of micro-seconds.
    private static readonly TimeSpan s_maxLeaseDuration = TimeSpan.FromDays(365 * 100);

    private readonly RedisLedgerKeys _keys;
    private readonly ConfigurationOptions? _configuration;
    private readonly bool _ownsConnection;
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly RedisValue _logMaxEntries;
    private readonly RedisValue _logMaxAgeMs;
    private readonly RedisValue _finishedLeaseMs;
    private readonly TimeSpan _finishedLeaseRetention;
    private readonly LeaseBudgets _leaseBudgets = new();
    private readonly LedgerBatcher _batcher;
    private IConnectionMultiplexer? _connection;
    private volatile bool _disposed;

    /// <summary>Creates the ledger; it connects on first use (a server that is down then fails operations, not this constructor).</summary>
    /// <param name="options">The server (a configuration string or a shared connection), the key prefix and the retention.</param>
    public RedisBudgetLedger(RedisLedgerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _keys = new RedisLedgerKeys(options.KeyPrefix);
        var retention = options.SpendLogRetention ?? SpendLogRetention.Default;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(retention.MaxEntries, "options.SpendLogRetention.MaxEntries");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.FinishedLeaseRetention, TimeSpan.FromSeconds(1), "options.FinishedLeaseRetention");
        _logMaxEntries = retention.MaxEntries;
        _logMaxAgeMs = retention.MaxAge is { } age ? Math.Max(1, (long)age.TotalMilliseconds) : 0;
        _finishedLeaseRetention = options.FinishedLeaseRetention;
        _finishedLeaseMs = (long)options.FinishedLeaseRetention.TotalMilliseconds;
        LedgerBatcher.ValidateMaxBatchSize(options.MaxBatchSize, "RedisLedgerOptions.MaxBatchSize");
        _batcher = new LedgerBatcher(ExecuteBatchAsync, options.Batching, options.MaxBatchSize);

        if (options.ConnectionMultiplexer is { } shared)
        {
            _connection = shared;
        }
        else
        {
            _configuration = ConfigurationOf(options);
            _ownsConnection = true;
        }

        Description = Describe(options);
    }

    /// <summary>How this process's reservations, settlements and extensions were grouped into script calls (<see cref="RedisLedgerOptions.Batching"/>).</summary>
    public LedgerBatchStatistics BatchStatistics => _batcher.Statistics;

    /// <summary>The server, for messages: <c>redis:</c> and its endpoints, never the password.</summary>
    public string Description { get; }

    /// <summary>
    /// Whether an error is worth a retry: the connection failed or timed out, or the server is loading, busy, failing
    /// over or read-only for a moment. Script errors and wrong arguments are not. Every operation is idempotent on its
    /// lease, so retrying one whose reply was lost applies it once.
    /// </summary>
    /// <param name="exception">The error an operation threw.</param>
    public static bool IsTransient(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException => true,
        RedisServerException server => server.Message.StartsWith("LOADING", StringComparison.Ordinal)
            || server.Message.StartsWith("BUSY ", StringComparison.Ordinal)
            || server.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal)
            || server.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
            || server.Message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal)
            || server.Message.StartsWith("READONLY", StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>The description of the store that <paramref name="options"/> name: its endpoints, database and key prefix, without credentials.</summary>
    /// <param name="options">The options.</param>
    public static string Describe(RedisLedgerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _ = new RedisLedgerKeys(options.KeyPrefix);
        var configuration = options.ConnectionMultiplexer is { } shared
            ? ConfigurationOptions.Parse(shared.Configuration)
            : ConfigurationOptions.Parse(options.Configuration ?? throw new ArgumentException("Set RedisLedgerOptions.Configuration or ConnectionMultiplexer.", nameof(options)));
        configuration.SetDefaultPorts();
        string endpoints = string.Join(",", configuration.EndPoints.Select(static e => e switch
        {
            DnsEndPoint dns => $"{dns.Host}:{dns.Port.ToString(CultureInfo.InvariantCulture)}",
            _ => e.ToString(),
        }));
        string database = configuration.DefaultDatabase is > 0 and int db ? "/" + db.ToString(CultureInfo.InvariantCulture) : "";
        string prefix = options.KeyPrefix == RedisLedgerOptions.DefaultKeyPrefix ? "" : $" (key prefix '{options.KeyPrefix}')";
        return $"redis:{endpoints}{database}{prefix}";
    }

    /// <inheritdoc />
    public async ValueTask PingAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
            await database.PingAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new BudgetLedgerUnavailableException(Description, ex.Message, ex);
        }
    }

    /// <summary>Closes the connection when the ledger opened it (a shared <see cref="RedisLedgerOptions.ConnectionMultiplexer"/> stays open).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_ownsConnection && Interlocked.Exchange(ref _connection, null) is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _connectGate.Dispose();
    }

    private static ConfigurationOptions ConfigurationOf(RedisLedgerOptions options)
    {
        var configuration = ConfigurationOptions.Parse(options.Configuration ?? throw new ArgumentException("Set RedisLedgerOptions.Configuration or ConnectionMultiplexer.", nameof(options)));

        // A server that is down at startup must not make the ledger unusable: operations fail (and the guard refuses
        // calls) until the connection, retried in the background, comes up.
        configuration.AbortOnConnectFail = false;
        if (options.ConnectTimeout is { } timeout)
        {
            configuration.ConnectTimeout = (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue);
        }

        return configuration;
    }

    private IDatabase Database()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Volatile.Read(ref _connection) is { } connection)
        {
            return connection.GetDatabase();
        }

        _connectGate.Wait();
        try
        {
            _connection ??= ConnectionMultiplexer.Connect(_configuration!);
            return _connection.GetDatabase();
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private async ValueTask<IDatabase> DatabaseAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (Volatile.Read(ref _connection) is { } connection)
        {
            return connection.GetDatabase();
        }

        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _connection ??= await ConnectionMultiplexer.ConnectAsync(_configuration!).ConfigureAwait(false);
            return _connection.GetDatabase();
        }
        finally
        {
            _connectGate.Release();
        }
    }

    /// <summary>A script's arguments: the budget's settings, then the operation's own.</summary>
    private RedisValue[] Args(BudgetKeys budget, params ReadOnlySpan<RedisValue> operation)
    {
        var args = new RedisValue[4 + operation.Length];
        args[0] = budget.Base;
        args[1] = _logMaxEntries;
        args[2] = _logMaxAgeMs;
        args[3] = _finishedLeaseMs;
        operation.CopyTo(args.AsSpan(4));
        return args;
    }

    private static void CheckAmount(long micros, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(micros, name);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(micros, MaxExactMicros, name);
    }
}
