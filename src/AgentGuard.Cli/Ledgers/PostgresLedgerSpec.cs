using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AgentGuard.Cli.Ledgers;

/// <summary>
/// <c>postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=S&amp;sslmode=M]</c>, or an Npgsql connection string
/// (<c>Host=...;Database=...;Username=...</c>). Without a password in either, <c>AGENTGUARD_POSTGRES_PASSWORD</c> or
/// <c>PGPASSWORD</c> supplies it.
/// </summary>
internal sealed class PostgresLedgerSpec(string connectionString, string? schema) : LedgerSpec
{
    public const string PasswordVariable = "AGENTGUARD_POSTGRES_PASSWORD";

    // A CLI waits for a human: an unreachable server should fail in seconds.
    private const int ConnectTimeoutSeconds = 5;

    public static PostgresLedgerSpec FromUrl(string spec)
    {
        var url = LedgerUrl.Parse(spec, "PostgreSQL", "postgres://USER@HOST:PORT/DATABASE");
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = url.Host,
            Port = url.Port ?? 5432,
            Database = url.Path.Trim('/') is { Length: > 0 } db ? db : null,
            Username = url.User,
            Password = url.Password,
        };
        string? schema = null;
        foreach (var (name, value) in url.Query)
        {
            switch (name)
            {
                case "schema":
                    schema = value;
                    break;
                case "sslmode":
                    builder.SslMode = Enum.TryParse<SslMode>(value, ignoreCase: true, out var mode) ? mode
                        : throw new CliException($"The PostgreSQL URL's sslmode '{value}' is unknown (disable, prefer, require, verify-ca, verify-full).");
                    break;
                default:
                    throw new CliException($"The PostgreSQL URL has an unknown parameter '{name}' (known: schema, sslmode).");
            }
        }

        return Complete(builder, schema, setTimeout: true);
    }

    public static PostgresLedgerSpec FromConnectionString(string spec)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(spec);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException)
        {
            // Npgsql's message names the keyword at fault, never a value.
            throw new CliException($"The PostgreSQL connection string cannot be read: {ex.Message}");
        }

        Secrets.Add(builder.Password);
        return Complete(builder, schema: null, setTimeout: !builder.ContainsKey("Timeout"));
    }

    public override void Register(IAgentGuardBudgetBuilder budget) => budget.UsePostgresLedger(connectionString, o =>
    {
        if (schema is not null)
        {
            o.Schema = schema;
        }
    });

    private static PostgresLedgerSpec Complete(NpgsqlConnectionStringBuilder builder, string? schema, bool setTimeout)
    {
        if (string.IsNullOrEmpty(builder.Host))
        {
            throw new CliException("The PostgreSQL ledger needs a host: postgres://USER@HOST:PORT/DATABASE.");
        }

        if (string.IsNullOrEmpty(builder.Password))
        {
            builder.Password = Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 } own ? own
                : Environment.GetEnvironmentVariable("PGPASSWORD") is { Length: > 0 } pg ? pg : null;
        }

        Secrets.Add(builder.Password);
        if (setTimeout)
        {
            builder.Timeout = ConnectTimeoutSeconds;
        }

        return new PostgresLedgerSpec(builder.ConnectionString, schema);
    }
}
