using Microsoft.Extensions.DependencyInjection;

namespace AgentGuard.Cli.Ledgers;

/// <summary>
/// Where a ledger is, as given to <c>--ledger</c> or <c>AGENTGUARD_LEDGER</c>: <c>sqlite:PATH</c>, <c>redis://HOST:PORT</c>,
/// <c>postgres://USER@HOST:PORT/DB</c> or an Npgsql <c>key=value</c> connection string. Credentials come from the
/// environment or the URL and are never part of a message.
/// </summary>
internal abstract class LedgerSpec
{
    public const string EnvironmentVariable = "AGENTGUARD_LEDGER";

    private const string Syntax = "use sqlite:PATH, redis://HOST:PORT or postgres://USER@HOST:PORT/DATABASE";

    /// <summary>Adds the store to a budget exactly as an application does (the store package's own <c>Use...Ledger</c>).</summary>
    public abstract void Register(IAgentGuardBudgetBuilder budget);

    /// <summary>Fails before anything is opened when the store plainly is not there (a read must not create a ledger).</summary>
    public virtual void EnsureExists()
    {
    }

    /// <summary>The <c>--ledger</c> value, else <c>AGENTGUARD_LEDGER</c>.</summary>
    public static LedgerSpec Resolve(string? option)
    {
        string? spec = string.IsNullOrWhiteSpace(option) ? Environment.GetEnvironmentVariable(EnvironmentVariable) : option;
        if (string.IsNullOrWhiteSpace(spec))
        {
            throw new CliException($"No ledger: pass --ledger or set {EnvironmentVariable} ({Syntax}).");
        }

        return Parse(spec.Trim());
    }

    public static LedgerSpec Parse(string spec)
    {
        if (spec.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            return SqliteLedgerSpec.FromPath(spec["sqlite:".Length..]);
        }

        if (spec.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || spec.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            return RedisLedgerSpec.FromUrl(spec);
        }

        if (spec.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || spec.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return PostgresLedgerSpec.FromUrl(spec);
        }

        if (!spec.Contains("://", StringComparison.Ordinal) && spec.Contains('=', StringComparison.Ordinal))
        {
            return PostgresLedgerSpec.FromConnectionString(spec);
        }

        // The spec itself may hold a password: only its scheme is repeated.
        int colon = spec.IndexOf(':', StringComparison.Ordinal);
        string scheme = colon > 0 ? $"'{spec[..colon]}:'" : "this ledger";
        throw new CliException($"Unknown kind of ledger {scheme}: {Syntax}.");
    }
}
