using AgentGuard.Http;
using AgentGuard.Http.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Keeps a budget in Redis.</summary>
public static class RedisLedgerBudgetBuilderExtensions
{
    /// <summary>
    /// Keeps the budget in Redis, shared by every process and host that uses the same server and key prefix. An
    /// unreachable server refuses calls with <see cref="BudgetLedgerUnavailableException"/> after a short retry of
    /// transient errors (fail closed). Budgets registered with the same server, database and prefix share one connection.
    /// </summary>
    /// <example><c>services.AddAgentGuardBudget("agents").UseRedisLedger("localhost:6379");</c></example>
    /// <param name="builder">The budget.</param>
    /// <param name="configuration">The StackExchange.Redis configuration string (<c>host:port,password=...,ssl=true</c>).</param>
    /// <param name="configure">Sets the key prefix, the spend log's retention, timeouts, or a shared connection.</param>
    public static IAgentGuardBudgetBuilder UseRedisLedger(this IAgentGuardBudgetBuilder builder, string configuration, Action<RedisLedgerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        var options = new RedisLedgerOptions { Configuration = configuration };
        configure?.Invoke(options);
        string description = RedisBudgetLedger.Describe(options);
        return builder.UseLedger(description, sp => new ResilientBudgetLedger(
            new RedisBudgetLedger(options),
            description,
            RedisBudgetLedger.IsTransient,
            sp.GetService<TimeProvider>()));
    }
}
