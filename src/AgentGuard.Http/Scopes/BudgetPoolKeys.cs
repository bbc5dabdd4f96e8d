namespace AgentGuard.Http;

/// <summary>
/// How pool keys are spelled: <c>budget[/level:id]...[@window]</c>, for example <c>agents</c>,
/// <c>agents/tenant:42@2026-11</c>. Every pool of one budget starts with the budget's name (its root), so a store can
/// keep a budget's pools together (Redis puts them under one hash tag), and the window is part of the key, so a new
/// window starts empty without any reset job.
/// </summary>
public static class BudgetPoolKeys
{
    /// <summary>Separates scope segments.</summary>
    public const char ScopeSeparator = '/';

    /// <summary>Separates a scope segment's level from its id.</summary>
    public const char LevelSeparator = ':';

    /// <summary>Introduces the time window.</summary>
    public const char WindowSeparator = '@';

    private static readonly char[] s_reserved = [ScopeSeparator, LevelSeparator, WindowSeparator, '{', '}'];

    /// <summary>The budget a pool belongs to: the key up to its first scope or window.</summary>
    public static string Root(string poolKey)
    {
        ArgumentNullException.ThrowIfNull(poolKey);
        int end = poolKey.AsSpan().IndexOfAny(ScopeSeparator, WindowSeparator);
        return end < 0 ? poolKey : poolKey[..end];
    }

    /// <summary>The key of a budget's pool for a scope (none for the budget itself) in a window (none when not windowed).</summary>
    public static string For(string budgetName, IEnumerable<BudgetScopeSegment>? scope, string? window)
    {
        var key = new System.Text.StringBuilder(budgetName);
        foreach (var segment in scope ?? [])
        {
            key.Append(ScopeSeparator).Append(segment.Level).Append(LevelSeparator).Append(segment.Id);
        }

        if (window is not null)
        {
            key.Append(WindowSeparator).Append(window);
        }

        return key.ToString();
    }

    /// <summary>Throws when a budget name, scope level or id contains a character that structures keys.</summary>
    public static void ThrowIfInvalidPart(string part, string what)
    {
        if (string.IsNullOrWhiteSpace(part) || part.IndexOfAny(s_reserved) >= 0)
        {
            throw new ArgumentException($"A {what} must be non-empty and contain none of / : @ {{ }}, but it is '{part}'.", what);
        }
    }

    /// <summary>Whether a budget name, scope level or id is free of the characters that structure keys.</summary>
    public static bool IsValidPart(string? part) => !string.IsNullOrWhiteSpace(part) && part.IndexOfAny(s_reserved) < 0;
}
