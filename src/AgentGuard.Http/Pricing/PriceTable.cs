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

    // Which layer each model's price comes from: the base table, a prices file, prices set in code.
    private readonly Dictionary<string, PriceOrigin> _originOf;

    // The names the entries' rules match exactly (aliases, snapshots, -latest names), to the entry's name.
    private readonly Dictionary<string, string> _aliases;

    // The entries whose rules match more than exact names (prefixes, patterns), in table order.
    private readonly string[] _patterned;

    // Model names come from request bodies, so the cache of resolutions is bounded.
    private readonly ConcurrentDictionary<string, PricedModel?> _resolved = new(StringComparer.Ordinal);

    private int _ageChecked;

    public PriceTable(string date, string source, Dictionary<string, ModelPrice> models)
        : this(new PriceOrigin(source, date, source), [], models, origins: null)
    {
    }

    public PriceTable(PriceOrigin origin, Dictionary<string, ModelPrice> models)
        : this(origin, [], models, origins: null)
    {
    }

    private PriceTable(PriceOrigin baseOrigin, IReadOnlyList<PriceOrigin> overlays, Dictionary<string, ModelPrice> models, Dictionary<string, PriceOrigin>? origins)
    {
        BaseOrigin = baseOrigin;
        Overlays = overlays;
        _models = models;
        _originOf = origins ?? models.Keys.ToDictionary(k => k, _ => baseOrigin, StringComparer.Ordinal);
        (_aliases, _patterned) = IndexRules(models);
    }

    /// <summary>The price table compiled into the library.</summary>
    public static PriceTable Embedded => s_embedded.Value;

    /// <summary>When the base table's prices were collected (for example <c>2026-12-07</c>), or <c>unknown</c>.</summary>
    public string Date => BaseOrigin.Date ?? "unknown";

    /// <summary>What the prices were collected from, and what overrides them.</summary>
    public string Source => string.Concat(BaseOrigin.Source, string.Concat(Overlays.Select(o => $" Overridden by {o.Name}.")));

    /// <summary>The table the others overlay: the embedded table, or the file when the table was read from one.</summary>
    public PriceOrigin BaseOrigin { get; }

    /// <summary>The layers over the base table, in the order they were applied (a prices file, then prices set in code).</summary>
    public IReadOnlyList<PriceOrigin> Overlays { get; }

    public IReadOnlyDictionary<string, ModelPrice> Models => _models;

    /// <summary>The layer a model's price comes from.</summary>
    public PriceOrigin OriginOf(string model) => _originOf[model];

    /// <summary>A new table with <paramref name="overrides"/> (prices set in code) replacing or adding models.</summary>
    public PriceTable With(IEnumerable<KeyValuePair<string, ModelPrice>> overrides, string source) =>
        With(overrides, new PriceOrigin(source, null, source));

    /// <summary>A new table with the models of <paramref name="file"/> replacing or adding models, dated as the file is.</summary>
    public PriceTable With(PriceTable file, string name) =>
        With(file.Models, new PriceOrigin(name, file.BaseOrigin.Date, file.BaseOrigin.Source));

    private PriceTable With(IEnumerable<KeyValuePair<string, ModelPrice>> overrides, PriceOrigin origin)
    {
        var models = new Dictionary<string, ModelPrice>(_models, StringComparer.Ordinal);
        var origins = new Dictionary<string, PriceOrigin>(_originOf, StringComparer.Ordinal);
        bool any = false;
        foreach (var (name, price) in overrides)
        {
            models[name] = price;
            origins[name] = origin;
            any = true;
        }

        return any ? new PriceTable(BaseOrigin, [.. Overlays, origin], models, origins) : this;
    }

    /// <summary>
    /// Resolves a request's model, through the price source's matching rules: an entry's own name; a name its rule matches
    /// exactly (<c>gpt-4o-2024-08-06</c>, <c>claude-3-7-sonnet-latest</c>); a provider prefix (<c>openai/gpt-4o</c>,
    /// <c>models/gemini-2.5-pro</c>) before a name of that provider's; the longest entry the name extends by a date suffix
    /// only (<c>gpt-4o-mini-2024-07-18</c> is gpt-4o-mini, never gpt-4o); and last the rules' prefixes and patterns
    /// (<c>claude-sonnet-4-5-20250929</c>). When several patterns match, the entry with the highest prices wins. A fine-tuned
    /// model (<c>ft:</c>) resolves only to an entry of fine-tuned prices. Anything else is unknown.
    /// </summary>
    public bool TryResolve(string model, [NotNullWhen(true)] out PricedModel? priced)
    {
        if (_resolved.TryGetValue(model, out priced))
        {
            return priced is not null;
        }

        priced = ResolveUncached(model);
        if (_resolved.Count < MaxCachedResolutions)
        {
            _resolved.TryAdd(model, priced);
        }

        return priced is not null;
    }

    /// <summary>The model's price, or the refusal that names it and the priced names nearest to it.</summary>
    /// <exception cref="UnknownModelPriceException">No entry prices <paramref name="model"/>.</exception>
    public PricedModel Resolve(string model) =>
        TryResolve(model, out var priced) ? priced : throw new UnknownModelPriceException(model, ModelNames.Nearest(model, Names()));

    /// <summary>The priced names nearest to <paramref name="model"/>, for a did-you-mean.</summary>
    public IReadOnlyList<string> NearNames(string model) => ModelNames.Nearest(model, Names());

    /// <summary>Whether this call is the first to ask (the age of a table is logged once per process).</summary>
    public bool ClaimAgeCheck() => Interlocked.Exchange(ref _ageChecked, 1) == 0;

    /// <summary>The names a request may use: the entries' own and their rules' exact names.</summary>
    private IEnumerable<string> Names() => _models.Keys.Concat(_aliases.Keys);

    private PricedModel? ResolveUncached(string model)
    {
        if (ResolveName(model) is { } found)
        {
            return found;
        }

        // A provider prefix: "openai/gpt-4o", "anthropic/claude-sonnet-4-5", Gemini's resource name "models/gemini-2.5-pro".
        int slash = model.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && PriceProviders.FromPrefix(model[..slash]) is { } provider
            && ResolveName(model[(slash + 1)..]) is { } prefixed && PriceProviders.Serves(prefixed.Price, provider))
        {
            return prefixed;
        }

        return null;
    }

    private PricedModel? ResolveName(string model)
    {
        if (_models.TryGetValue(model, out var exact))
        {
            return new PricedModel(model, exact);
        }

        if (_aliases.TryGetValue(model, out string? alias))
        {
            return new PricedModel(alias, _models[alias]);
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

        if (best is not null)
        {
            return new PricedModel(best, _models[best]);
        }

        bool fineTuned = model.StartsWith("ft:", StringComparison.Ordinal);
        foreach (var name in _patterned)
        {
            var price = _models[name];
            if (fineTuned == name.StartsWith("ft:", StringComparison.Ordinal)
                && price.Match!.IsMatch(model)
                && (best is null || Higher(price, _models[best]) || (!Higher(_models[best], price) && Closer(name, best, model))))
            {
                best = name;
            }
        }

        return best is null ? null : new PricedModel(best, _models[best]);
    }

    /// <summary>Of two entries at the same prices, whether <paramref name="name"/> is the one <paramref name="model"/> is named after (the longer prefix).</summary>
    private static bool Closer(string name, string other, string model) =>
        model.StartsWith(name, StringComparison.Ordinal) && (!model.StartsWith(other, StringComparison.Ordinal) || name.Length > other.Length);

    /// <summary>Whether <paramref name="price"/> bills more than <paramref name="other"/>: by output, then input, then cached input.</summary>
    private static bool Higher(ModelPrice price, ModelPrice other) =>
        (price.OutputUsdPerMillionTokens, price.InputUsdPerMillionTokens, price.CachedInputUsdPerMillionTokens ?? price.InputUsdPerMillionTokens)
            .CompareTo((other.OutputUsdPerMillionTokens, other.InputUsdPerMillionTokens, other.CachedInputUsdPerMillionTokens ?? other.InputUsdPerMillionTokens)) > 0;

    private static (Dictionary<string, string> Aliases, string[] Patterned) IndexRules(Dictionary<string, ModelPrice> models)
    {
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        var patterned = new List<string>();
        foreach (var (name, price) in models)
        {
            if (price.Match is not { } match)
            {
                continue;
            }

            foreach (string exact in match.ExactNames())
            {
                // An entry's own name is never an alias of another; two entries claiming one name: the higher prices win.
                if (!models.ContainsKey(exact) && (!aliases.TryGetValue(exact, out string? other) || Higher(price, models[other])))
                {
                    aliases[exact] = name;
                }
            }

            if (match.HasPatterns)
            {
                patterned.Add(name);
            }
        }

        return (aliases, [.. patterned]);
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
