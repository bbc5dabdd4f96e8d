namespace AgentGuard.Http.Pricing;

/// <summary>The did-you-mean of an unknown model: the priced names a typo away from it.</summary>
internal static class ModelNames
{
    private const int MaxSuggestions = 3;

    // Longer names are not typed by hand: no suggestion is worth the work.
    private const int MaxNameLength = 128;

    /// <summary>
    /// Up to three names of <paramref name="names"/> nearest to <paramref name="model"/>: the same name in other case or
    /// without surrounding spaces first, then those within a few edits (one for short names), nearest first.
    /// </summary>
    public static IReadOnlyList<string> Nearest(string model, IEnumerable<string> names)
    {
        if (model.Length is 0 or > MaxNameLength)
        {
            return [];
        }

        string normalized = model.Trim().ToLowerInvariant();
        int allowed = normalized.Length <= 4 ? 1 : normalized.Length <= 12 ? 2 : 3;
        var found = new List<(int Distance, string Name)>();
        foreach (string name in names.Distinct(StringComparer.Ordinal))
        {
            if (name == model)
            {
                continue;
            }

            int distance = name.Equals(normalized, StringComparison.OrdinalIgnoreCase) ? 0 : Distance(normalized, name, allowed);
            if (distance <= allowed)
            {
                found.Add((distance, name));
            }
        }

        return [.. found.OrderBy(f => f.Distance).ThenBy(f => f.Name, StringComparer.Ordinal).Take(MaxSuggestions).Select(f => f.Name)];
    }

    /// <summary>
    /// The optimal string alignment distance (insertions, deletions, substitutions, adjacent transpositions), or
    /// <c>limit + 1</c> as soon as it must exceed <paramref name="limit"/>.
    /// </summary>
    private static int Distance(string a, string b, int limit)
    {
        if (Math.Abs(a.Length - b.Length) > limit)
        {
            return limit + 1;
        }

        var previous2 = new int[b.Length + 1];
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            int rowMin = current[0];
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                int value = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == char.ToLowerInvariant(b[j - 2]) && a[i - 2] == char.ToLowerInvariant(b[j - 1]))
                {
                    value = Math.Min(value, previous2[j - 2] + 1);
                }

                current[j] = value;
                rowMin = Math.Min(rowMin, value);
            }

            if (rowMin > limit)
            {
                return limit + 1;
            }

            (previous2, previous, current) = (previous, current, previous2);
        }

        return previous[b.Length];
    }
}
