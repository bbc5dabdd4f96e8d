using System.Text;
using StackExchange.Redis;

namespace AgentGuard.Http.Redis.Internal;

/// <summary>
/// How the ledger names its keys. Everything of one budget (the root of its pool keys, <see cref="BudgetPoolKeys.Root"/>)
/// lives under <c>{prefix}{{budget}}:</c>: the braces make the budget's name the keys' hash tag, so every script
/// touches one cluster slot. Only the lease index (lease id to budget, for settlements that name just a lease) lies
/// outside, one key per lease, never touched together with others.
/// </summary>
internal sealed class RedisLedgerKeys
{
    private const string RegistrySuffix = "}:pools";

    public RedisLedgerKeys(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            // A brace in the prefix would become the hash tag instead of the budget's name.
            throw new ArgumentException($"The Redis key prefix must not contain '{{' or '}}', but it is '{prefix}'.", nameof(prefix));
        }

        Prefix = prefix;
    }

    public string Prefix { get; }

    /// <summary>The budget of a pool key, checked to make a valid hash tag.</summary>
    public static string RootOf(string poolKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolKey);
        string root = BudgetPoolKeys.Root(poolKey);
        if (root.Length == 0 || root.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            throw new ArgumentException($"The pool key '{poolKey}' has no valid budget name (non-empty, without '{{' or '}}') to keep it under.", nameof(poolKey));
        }

        return root;
    }

    /// <summary>The one budget whose pools can start with <paramref name="poolKeyPrefix"/>, when the prefix reaches past a budget's name.</summary>
    public static string? ExactRootOf(string? poolKeyPrefix) =>
        poolKeyPrefix is not null && poolKeyPrefix.AsSpan().IndexOfAny(BudgetPoolKeys.ScopeSeparator, BudgetPoolKeys.WindowSeparator) > 0
            ? BudgetPoolKeys.Root(poolKeyPrefix)
            : null;

    public BudgetKeys Budget(string root) => new(Prefix + "{" + root + "}:");

    public RedisKey LeaseIndex(string leaseId) => Prefix + "lease:" + leaseId;

    /// <summary>A SCAN pattern for the pool registries of the budgets whose names start with <paramref name="rootPrefix"/>.</summary>
    public RedisValue RegistryPattern(string? rootPrefix) => Glob(Prefix) + "{" + Glob(rootPrefix ?? "") + "*" + RegistrySuffix;

    /// <summary>The budget of a key found by <see cref="RegistryPattern"/>, or null when the key only looks like a registry.</summary>
    public string? RootOfRegistry(string key)
    {
        string start = Prefix + "{";
        if (!key.StartsWith(start, StringComparison.Ordinal))
        {
            return null;
        }

        int end = key.IndexOf('}', start.Length);
        if (end <= start.Length)
        {
            return null;
        }

        string root = key[start.Length..end];
        return key.Length == end + RegistrySuffix.Length && key.EndsWith(RegistrySuffix, StringComparison.Ordinal) ? root : null;
    }

    private static string Glob(string literal)
    {
        var escaped = new StringBuilder(literal.Length);
        foreach (char c in literal)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }
}

/// <summary>The keys of one budget that its scripts declare (all in one slot), and the base the scripts name the others from.</summary>
internal sealed class BudgetKeys(string @base)
{
    public string Base { get; } = @base;

    /// <summary>The expiries (sorted set), the spend log (stream) and the pool registry (set).</summary>
    public RedisKey[] ScriptKeys { get; } = [@base + "expiries", @base + "log", @base + "pools"];

    public RedisKey Log => ScriptKeys[1];
}
