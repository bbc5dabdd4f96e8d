using System.Collections.Concurrent;

namespace AgentGuard.Cli;

/// <summary>
/// The credentials this run has seen (ledger passwords). Anything printed from an exception goes through
/// <see cref="Redact"/>, because a driver's message is not ours to trust with a password.
/// </summary>
internal static class Secrets
{
    private static readonly ConcurrentDictionary<string, bool> s_secrets = new(StringComparer.Ordinal);

    public static void Add(string? secret)
    {
        // Very short strings would redact ordinary words; they are rejected as passwords anyway by every store we support.
        if (!string.IsNullOrEmpty(secret) && secret.Length >= 3)
        {
            s_secrets.TryAdd(secret, true);
        }
    }

    public static string Redact(string text)
    {
        foreach (var secret in s_secrets.Keys.OrderByDescending(s => s.Length))
        {
            text = text.Replace(secret, "***", StringComparison.Ordinal);
            string escaped = Uri.EscapeDataString(secret);
            if (escaped != secret)
            {
                text = text.Replace(escaped, "***", StringComparison.Ordinal);
            }
        }

        return text;
    }
}
