using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace AgentGuard.Http.Pricing;

/// <summary>
/// The prices the guard knows: the embedded table, overlaid with the user's file and in-code prices.
/// Immutable and shared by every handler of a client (handlers are pooled and recycled).
/// </summary>
internal sealed partial class PriceTable
{
    private const int MaxCachedResolutions = 1024;

    private static readonly Lazy<PriceTable> s_embedded = new(LoadEmbedded);

    private readonly Dictionary<string, ModelPrice> _models;

    // Model names come from request bodies, so the cache of resolutions is bounded.
    private readonly ConcurrentDictionary<string, PricedModel?> _resolved = new(StringComparer.Ordinal);

    public PriceTable(string date, string source, Dictionary<string, ModelPrice> models)
    {
        Date = date;
        Source = source;
        _models = models;
    }

    /// <summary>The price table compiled into the library.</summary>
    public static PriceTable Embedded => s_embedded.Value;

    /// <summary>When the prices were collected (for example <c>2026-11</c>).</summary>
    public string Date { get; }

    public string Source { get; }

    public IReadOnlyDictionary<string, ModelPrice> Models => _models;

    /// <summary>A new table with <paramref name="overrides"/> replacing or adding models.</summary>
    public PriceTable With(IEnumerable<KeyValuePair<string, ModelPrice>> overrides, string source)
    {
        var models = new Dictionary<string, ModelPrice>(_models, StringComparer.Ordinal);
        bool any = false;
        foreach (var (name, price) in overrides)
        {
            models[name] = price;
            any = true;
        }

        return any ? new PriceTable(Date, $"{Source} Overridden by {source}.", models) : this;
    }

    /// <summary>
    /// The known model nearest to <paramref name="model"/> (a typo such as <c>gpt-4o-mni</c>): at most two edits away, or
    /// a quarter of its length for long names; <see langword="null"/> when none is that near.
    /// </summary>
    public string? Suggest(string model)
    {
        string lower = model.ToLowerInvariant();
        int limit = Math.Max(2, model.Length / 4);
        string? best = null;
        int bestDistance = limit + 1;
        foreach (string known in _models.Keys)
        {
            if (Math.Abs(known.Length - lower.Length) > limit)
            {
                continue;
            }

            int distance = EditDistance(lower, known, limit + 1);
            if (distance < bestDistance || (distance == bestDistance && best is not null && string.CompareOrdinal(known, best) < 0))
            {
                (best, bestDistance) = (known, distance);
            }
        }

        return best;
    }

    /// <summary>The Levenshtein distance of two names, or at least <paramref name="limit"/> when it reaches it.</summary>
    private static int EditDistance(string a, string b, int limit)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            int rowMin = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
                rowMin = Math.Min(rowMin, current[j]);
            }

            if (rowMin >= limit)
            {
                return limit;
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    /// <summary>
    /// Resolves a request's model: an exact entry first, else the longest entry that the name extends by a
    /// date suffix only (<c>gpt-4o-mini-2024-07-18</c> is gpt-4o-mini, never gpt-4o). Anything else is unknown.
    /// </summary>
    public bool TryResolve(string model, [NotNullWhen(true)] out PricedModel? priced)
    {
        if (_resolved.TryGetValue(model, out priced))
        {
            return priced is not null;
        }

        priced = Resolve(model);
        if (_resolved.Count < MaxCachedResolutions)
        {
            _resolved.TryAdd(model, priced);
        }

        return priced is not null;
    }

    private PricedModel? Resolve(string model)
    {
        if (_models.TryGetValue(model, out var exact))
        {
            return new PricedModel(model, exact);
        }

        string? best = null;
        foreach (var name in _models.Keys)
        {
            if (name.Length < model.Length
                && model.StartsWith(name, StringComparison.Ordinal)
                && DateSuffix().IsMatch(model.AsSpan(name.Length))
                && (best is null || name.Length > best.Length))
            {
                best = name;
            }
        }

        return best is null ? null : new PricedModel(best, _models[best]);
    }

    // Snapshots carry -YYYY-MM-DD (gpt-4o-2024-08-06) or -MMDD (gpt-3.5-turbo-0125).
    [GeneratedRegex(@"^-(\d{4}-\d{2}-\d{2}|\d{4})$", RegexOptions.CultureInvariant)]
    private static partial Regex DateSuffix();

    private static PriceTable LoadEmbedded()
    {
        using var stream = typeof(PriceTable).Assembly.GetManifestResourceStream("AgentGuard.Http.prices.json")
            ?? throw new InvalidOperationException("The embedded price table is missing from the AgentGuard.Http assembly.");
        return PriceTableJson.Read(stream, "the embedded price table");
    }
}
