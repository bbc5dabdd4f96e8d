using AgentGuard.Http.Postgres;
using AgentGuard.Http.Redis;
using AgentGuard.Http.Sqlite;

namespace AgentGuard.Http.Worker;

/// <summary>Opens a store's ledger the way its <c>Use...Ledger</c> registration does: wrapped to retry briefly and fail closed.</summary>
internal static class Stores
{
    public static IBudgetLedger Open(string store, string connection) => store switch
    {
        "sqlite" => new ResilientBudgetLedger(new SqliteBudgetLedger(connection), $"sqlite:{connection}", SqliteBudgetLedger.IsTransient),
        "redis" => Redis(connection),
        "postgres" => Postgres(connection),
        _ => throw new ArgumentException($"Unknown store '{store}' (sqlite, redis or postgres)."),
    };

    private static IBudgetLedger Redis(string configuration)
    {
        var options = new RedisLedgerOptions { Configuration = configuration };
        return new ResilientBudgetLedger(new RedisBudgetLedger(options), RedisBudgetLedger.Describe(options), RedisBudgetLedger.IsTransient);
    }

    private static IBudgetLedger Postgres(string connectionString)
    {
        var options = new PostgresLedgerOptions { ConnectionString = connectionString };
        return new ResilientBudgetLedger(new PostgresBudgetLedger(options), "postgres", PostgresBudgetLedger.IsTransient);
    }
}
