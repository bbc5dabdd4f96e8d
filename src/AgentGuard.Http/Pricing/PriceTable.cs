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
