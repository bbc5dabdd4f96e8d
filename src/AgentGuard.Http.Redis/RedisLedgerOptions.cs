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
}
