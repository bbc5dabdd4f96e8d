using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace AgentGuard.Cli.Ledgers;

/// <summary>
/// <c>redis://[[USER]:PASSWORD@]HOST[:PORT][/DB][?prefix=KEYPREFIX]</c> (<c>rediss://</c> for TLS). Without a password in
/// the URL, <c>AGENTGUARD_REDIS_PASSWORD</c> supplies it.
/// </summary>
internal sealed class RedisLedgerSpec(string configuration, string? keyPrefix) : LedgerSpec
{
    public const string PasswordVariable = "AGENTGUARD_REDIS_PASSWORD";

    // A CLI waits for a human: an unreachable server should fail in seconds, not after the library's default.
    private static readonly TimeSpan s_connectTimeout = TimeSpan.FromSeconds(3);

    public static RedisLedgerSpec FromUrl(string spec)
    {
        var url = LedgerUrl.Parse(spec, "Redis", "redis://HOST:PORT");
        int port = url.Port ?? 6379;
        var parts = new List<string> { $"{url.Host}:{port.ToString(CultureInfo.InvariantCulture)}" };
        if (url.User is { Length: > 0 } user)
        {
            parts.Add($"user={user}");
        }

        string? password = url.Password ?? Environment.GetEnvironmentVariable(PasswordVariable);
        if (!string.IsNullOrEmpty(password))
        {
            Secrets.Add(password);
            if (password.Contains(',', StringComparison.Ordinal))
            {
                throw new CliException("The Redis password contains a comma, which a StackExchange.Redis configuration cannot carry.");
            }

            parts.Add($"password={password}");
        }

        string path = url.Path.Trim('/');
        if (path.Length > 0)
        {
            if (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out int database))
            {
                throw new CliException($"The Redis URL's path must be a database number (redis://HOST:PORT/0), but it is '/{path}'.");
            }

            parts.Add($"defaultDatabase={database.ToString(CultureInfo.InvariantCulture)}");
        }

        if (spec.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            parts.Add("ssl=true");
        }

        string? prefix = null;
        foreach (var (name, value) in url.Query)
        {
            prefix = name == "prefix" ? value : throw new CliException($"The Redis URL has an unknown parameter '{name}' (known: prefix).");
        }

        return new RedisLedgerSpec(string.Join(',', parts), prefix);
    }

    public override void Register(IAgentGuardBudgetBuilder budget) => budget.UseRedisLedger(configuration, o =>
    {
        o.ConnectTimeout = s_connectTimeout;
        if (keyPrefix is not null)
        {
            o.KeyPrefix = keyPrefix;
        }
    });
}
