using AgentGuard.Http;

namespace AgentGuard.Cli;

/// <summary>A pool key (<c>budget[/level:id]...[@window]</c>, see <see cref="BudgetPoolKeys"/>) taken apart for display and filters.</summary>
internal sealed record PoolKey(string Key, string Budget, string? Scope, string? Window)
{
    /// <summary>Parses a key the ledger returned or the user typed; <see langword="null"/> when it is not a well-formed key.</summary>
    public static PoolKey? TryParse(string key)
    {
        string rest = key;
        string? window = null;
        int at = rest.IndexOf(BudgetPoolKeys.WindowSeparator, StringComparison.Ordinal);
        if (at >= 0)
        {
            window = rest[(at + 1)..];
            rest = rest[..at];
            if (!BudgetPoolKeys.IsValidPart(window))
            {
                return null;
            }
        }

        string[] parts = rest.Split(BudgetPoolKeys.ScopeSeparator);
        if (!BudgetPoolKeys.IsValidPart(parts[0]))
        {
            return null;
        }

        foreach (string segment in parts.Skip(1))
        {
            string[] levelAndId = segment.Split(BudgetPoolKeys.LevelSeparator);
            if (levelAndId.Length != 2 || !BudgetPoolKeys.IsValidPart(levelAndId[0]) || !BudgetPoolKeys.IsValidPart(levelAndId[1]))
            {
                return null;
            }
        }

        string? scope = parts.Length > 1 ? string.Join(BudgetPoolKeys.ScopeSeparator, parts.Skip(1)) : null;
        return new PoolKey(key, parts[0], scope, window);
    }

    /// <summary>Parses a key the user typed, or explains its syntax.</summary>
    public static PoolKey Parse(string key) => TryParse(key) ?? throw new CliException(
        $"'{key}' is not a pool key. Keys are budget[/level:id]...[@window], for example agents, agents/tenant:acme or agents@2026-11; " +
        "names and ids may not contain / : @ { }.");

    /// <summary>A key of the ledger, taken apart as well as it can be (a key another tool wrote is shown as it is).</summary>
    public static PoolKey Of(string key) => TryParse(key) ?? new PoolKey(key, BudgetPoolKeys.Root(key), null, null);

    /// <summary>Whether this is a budget's own pool (no scope), the one that holds the whole budget of a window.</summary>
    public bool IsBudgetPool => Scope is null;
}
