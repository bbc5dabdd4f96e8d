using AgentGuard.Http;
#region sqlite-ledger
using AgentGuard.Http.Sqlite;
#endregion
using Microsoft.Extensions.DependencyInjection;

namespace AgentGuard.Snippets;

/// <summary>The shared ledgers of the README and docs/ledgers.md.</summary>
public static class Ledgers
{
    public static void Shared(IServiceCollection services)
    {
        #region shared-ledger
        services.AddHttpClient("openai").AddAgentGuard(o => { o.BudgetUsd = 50; o.BudgetName = "agents"; });
        services.AddAgentGuardBudget("agents").UseSqliteLedger("/var/lib/myapp/budget.db");   // or UseRedisLedger, UsePostgresLedger
        services.AddHealthChecks().AddAgentGuardLedger("agents");                              // Unhealthy when the store is unreachable
        #endregion
    }

    public static void Sqlite(IServiceCollection services)
    {
        #region sqlite-ledger
        services.AddHttpClient("openai").AddAgentGuard(o => { o.BudgetUsd = 50; o.BudgetName = "agents"; });
        services.AddAgentGuardBudget("agents").UseSqliteLedger("/var/lib/myapp/budget.db", o =>
        {
            o.Synchronous = SqliteSynchronousMode.Full;     // the default: see durability below
            o.BusyTimeout = TimeSpan.FromSeconds(5);        // the default
            o.SpendLogRetention = new SpendLogRetention(100_000, TimeSpan.FromDays(90));
        });
        #endregion
    }

    public static void Redis(IServiceCollection services)
    {
        #region redis-ledger
        services.AddHttpClient("openai").AddAgentGuard(o => { o.BudgetUsd = 50; o.BudgetName = "agents"; });
        services.AddAgentGuardBudget("agents").UseRedisLedger("redis.internal:6379,password=...,ssl=true", o =>
        {
            o.KeyPrefix = "myapp:agentguard:";   // default "agentguard:"
            o.SpendLogRetention = new SpendLogRetention(MaxEntries: 50_000, MaxAge: TimeSpan.FromDays(30));
        });
        #endregion
    }

    public static void Postgres(IServiceCollection services)
    {
        #region postgres-ledger
        services.AddHttpClient("openai").AddAgentGuard(o => { o.BudgetUsd = 50; o.BudgetName = "agents"; });
        services.AddAgentGuardBudget("agents").UsePostgresLedger(
            "Host=db.internal;Database=app;Username=agentguard;Password=...",
            o =>
            {
                o.Schema = "agentguard";   // the default
                o.SpendLogRetention = new SpendLogRetention(MaxEntries: 100_000, MaxAge: TimeSpan.FromDays(90));
            });
        #endregion
    }
}
