using AgentGuard.Http.Ledgers;
using StackExchange.Redis;

namespace AgentGuard.Http.Redis;

/// <summary>Where and how a <see cref="RedisBudgetLedger"/> keeps its budgets.</summary>
public sealed class RedisLedgerOptions
{
    /// <summary>The default <see cref="KeyPrefix"/>.</summary>
    public const string DefaultKeyPrefix = "agentguard:";

    /// <summary>
    /// The StackExchange.Redis configuration string (<c>localhost:6379,password=...,ssl=true</c>), used when no
    /// <see cref="ConnectionMultiplexer"/> is given.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>An existing connection to share (the ledger then does not dispose it); takes precedence over <see cref="Configuration"/>.</summary>
    public IConnectionMultiplexer? ConnectionMultiplexer { get; set; }

    /// <summary>
    /// Starts every key the ledger writes (default <c>agentguard:</c>). A budget's keys are <c>{prefix}{{budget}}:...</c>:
    /// the budget's name is their hash tag, so each budget lives in one cluster slot. It must not contain <c>{</c> or <c>}</c>.
    /// </summary>
    public string KeyPrefix { get; set; } = DefaultKeyPrefix;

    /// <summary>How much of each budget's spend log to keep (applied by the server as entries are added).</summary>
    public SpendLogRetention SpendLogRetention { get; set; } = SpendLogRetention.Default;

    /// <summary>How long to wait for the first connection (the configuration string's <c>connectTimeout</c> when not set).</summary>
    public TimeSpan? ConnectTimeout { get; set; }

    /// <summary>
    /// How long a settled or expired lease is remembered (default one hour), so that a repeated settlement is recognized
    /// and a late one refunds an expired lease. A settlement that comes later finds no lease: the expiry's full charge stands.
    /// </summary>
    public TimeSpan FinishedLeaseRetention { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Whether the reservations, settlements and extensions that this process's callers make while a script call is
    /// under way share the next call (group commit: one script call per budget, one AOF write, for all of them, each
    /// with its own outcome); <see langword="true"/> by default. A caller that finds the ledger idle never waits for
    /// others. <see langword="false"/> gives every operation a script call of its own.
    /// </summary>
    public bool Batching { get; set; } = true;

    /// <summary>The most operations one batch holds when <see cref="Batching"/> is on: 1 to 1,000, 128 by default.</summary>
    public int MaxBatchSize { get; set; } = LedgerBatcher.DefaultMaxBatchSize;
}
