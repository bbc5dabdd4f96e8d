using System.Text.Json;
using AgentGuard.Http;
using AgentGuard.Http.Pricing;

namespace AgentGuard.Cli.Pricing.Import;

/// <summary>
/// The hand-kept overrides the generator applies to the source (<c>tools/price-generator/overrides.json</c>, compiled into
/// the CLI so that an import applies exactly what the shipped table was built with). Every line names its public source.
/// <list type="bullet">
/// <item><c>limits</c>: a second source's limits for a source model (by provider and source id): the larger of the line's and
/// the source's context window and max output.</item>
/// <item><c>providerTiers</c>: tier multipliers of every model a provider bills, unless a fact sets the model's tiers.</item>
/// <item><c>facts</c>: hand-checked facts for a model of the table (by its name): they replace the source's limits,
/// encoding, tiers and image rule; a price is the higher of the fact's and the source's. A fact may define a model the source
/// lacks (it then names its providers and gives every price and limit).</item>
/// </list>
/// </summary>
internal sealed record Overrides(IReadOnlyList<LimitLine> Limits, IReadOnlyList<ProviderTierLine> ProviderTiers, IReadOnlyList<FactLine> Facts)
{
    public const string ResourceName = "AgentGuard.Cli.price-overrides.json";

    private static readonly JsonDocumentOptions s_options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>The overrides compiled into the CLI.</summary>
    public static Overrides BuiltIn()
    {
        using var stream = typeof(Overrides).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException("The price overrides are missing from the agentguard assembly.");
        return Read(stream, "the built-in price overrides");
    }

    public static Overrides Read(Stream json, string origin)
    {
        using var document = JsonDocument.Parse(json, s_options);
        var root = document.RootElement;
        var limits = new List<LimitLine>();
        var tiers = new List<ProviderTierLine>();
        var facts = new List<FactLine>();
        foreach (var section in root.EnumerateObject())
        {
            foreach (var (line, index) in section.Value.EnumerateArray().Select((l, i) => (l, i)))
            {
                string where = $"{origin}, {section.Name}[{index}]";
                switch (section.Name)
                {
                    case "limits": limits.Add(LimitLine.Read(line, where)); break;
                    case "providerTiers": tiers.Add(ProviderTierLine.Read(line, where)); break;
                    case "facts": facts.Add(FactLine.Read(line, where)); break;
                    default: throw new InvalidDataException($"Cannot read {origin}: unknown section '{section.Name}' (use limits, providerTiers, facts).");
                }
            }
        }

        return new Overrides(limits, tiers, facts);
    }

    /// <summary>The line's public source, which every line must give.</summary>
    internal static string SourceOf(JsonElement line, string where) =>
        line.TryGetProperty("source", out var source) && source.ValueKind == JsonValueKind.String && source.GetString() is { Length: > 0 } text
            ? text
            : throw new InvalidDataException($"Cannot read {where}: every line names its public source (\"source\").");

    internal static void OnlyKnown(JsonElement line, string where, params string[] known)
    {
        foreach (var member in line.EnumerateObject())
        {
            if (!known.Contains(member.Name, StringComparer.Ordinal))
            {
                throw new InvalidDataException($"Cannot read {where}: unknown property '{member.Name}'.");
            }
        }
    }

    internal static string Text(JsonElement line, string name, string where) =>
        line.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()!
            : throw new InvalidDataException($"Cannot read {where}: it needs \"{name}\" (a string).");

    internal static int? Whole(JsonElement line, string name, string where) =>
        !line.TryGetProperty(name, out var value) ? null
        : value.TryGetInt32(out int number) ? number
        : throw new InvalidDataException($"Cannot read {where}: \"{name}\" must be a whole number.");

    internal static (bool Given, decimal? Value) Price(JsonElement line, string name, string where) =>
        !line.TryGetProperty(name, out var value) ? (false, null)
        : value.ValueKind == JsonValueKind.Null ? (true, null)
        : value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out decimal number) && number >= 0 ? (true, number)
        : throw new InvalidDataException($"Cannot read {where}: \"{name}\" must be a price (a number of zero or more) or null.");
}

/// <summary>A second source's limits for a source model: raised to, never lowered.</summary>
internal sealed record LimitLine(string Provider, string Model, int? MaxOutputTokens, int? ContextWindow, string Source)
{
    public static LimitLine Read(JsonElement line, string where)
    {
        Overrides.OnlyKnown(line, where, "provider", "model", "maxOutputTokens", "contextWindow", "source");
        return new LimitLine(Overrides.Text(line, "provider", where), Overrides.Text(line, "model", where),
            Overrides.Whole(line, "maxOutputTokens", where), Overrides.Whole(line, "contextWindow", where), Overrides.SourceOf(line, where));
    }
}

/// <summary>Tier multipliers that apply to every model of a provider.</summary>
internal sealed record ProviderTierLine(string Provider, IReadOnlyDictionary<ServiceTier, decimal> Tiers, string Source)
{
    public static ProviderTierLine Read(JsonElement line, string where)
    {
        Overrides.OnlyKnown(line, where, "provider", "tierMultipliers", "source");
        var tiers = line.TryGetProperty("tierMultipliers", out var t) ? PriceTableJson.ReadTiers(t, "*", where)
            : throw new InvalidDataException($"Cannot read {where}: it needs \"tierMultipliers\".");
        return new ProviderTierLine(Overrides.Text(line, "provider", where), tiers, Overrides.SourceOf(line, where));
    }
}

/// <summary>Hand-checked facts about a model of the table.</summary>
internal sealed record FactLine(string Model, string Source, JsonElement Line, string Where)
{
    private static readonly string[] s_known =
    [
        "model", "providers", "input", "cachedInput", "output", "cacheWrite", "cacheWrite1h", "audioInput", "audioOutput",
        "contextWindow", "maxOutputTokens", "maxInputTokens", "encoding", "tierMultipliers", "longContext", "imageTokens", "match", "source",
    ];

    public static FactLine Read(JsonElement line, string where)
    {
        Overrides.OnlyKnown(line, where, s_known);
        var fact = new FactLine(Overrides.Text(line, "model", where), Overrides.SourceOf(line, where), line.Clone(), where);

        // Read every value once now, so that a bad line fails the import before anything is built.
        fact.ApplyTo(new ModelDraft(fact.Model));
        return fact;
    }

    /// <summary>The providers a fact names, for a model the source lacks.</summary>
    public IReadOnlyList<string> Providers =>
        Line.TryGetProperty("providers", out var list)
            ? [.. list.EnumerateArray().Select(p => PriceProviders.Find(p.GetString() ?? "") ?? throw new InvalidDataException($"Cannot read {Where}: unknown provider '{p}'."))]
            : [];

    public void ApplyTo(ModelDraft draft)
    {
        string origin = Where;
        var (_, input) = Overrides.Price(Line, "input", Where);
        var (cachedGiven, cached) = Overrides.Price(Line, "cachedInput", Where);
        var (_, output) = Overrides.Price(Line, "output", Where);
        var (_, write) = Overrides.Price(Line, "cacheWrite", Where);
        var (_, write1h) = Overrides.Price(Line, "cacheWrite1h", Where);
        var longContext = Line.TryGetProperty("longContext", out var lc) ? PriceTableJson.ReadLongContext(lc, Model, origin) : null;

        // A fact's cached price of null says cached input bills at the input price: no discount, the higher price.
        bool noDiscount = cachedGiven && cached is null;
        draft.MergePrices(input, cached, output, write, write1h, longContext);
        if (noDiscount)
        {
            draft.CachedInput = null;
        }

        draft.AudioInput = ModelDraft.Max(draft.AudioInput, Overrides.Price(Line, "audioInput", Where).Value);
        draft.AudioOutput = ModelDraft.Max(draft.AudioOutput, Overrides.Price(Line, "audioOutput", Where).Value);
        draft.ContextWindow = Overrides.Whole(Line, "contextWindow", Where) ?? draft.ContextWindow;
        draft.MaxOutputTokens = Overrides.Whole(Line, "maxOutputTokens", Where) ?? draft.MaxOutputTokens;
        if (Line.TryGetProperty("maxInputTokens", out _))
        {
            draft.MaxInputTokens = Overrides.Whole(Line, "maxInputTokens", Where);
        }

        if (Line.TryGetProperty("encoding", out _))
        {
            draft.Encoding = Overrides.Text(Line, "encoding", Where);
        }

        if (Line.TryGetProperty("tierMultipliers", out var tiers))
        {
            draft.Tiers.Clear();
            foreach (var (tier, multiplier) in PriceTableJson.ReadTiers(tiers, Model, origin))
            {
                draft.Tiers[tier] = multiplier;
            }
        }

        if (Line.TryGetProperty("imageTokens", out var images))
        {
            draft.ImageTokens = PriceTableJson.ReadImageTokens(images, Model, origin);
        }

        if (Line.TryGetProperty("match", out var match))
        {
            draft.Match = ModelMatch.Either(draft.Match, ModelMatch.Read(match, problem => new InvalidDataException($"Cannot read {Where}: {problem}.")));
        }

        foreach (string provider in Providers.Where(p => !draft.Providers.Contains(p)))
        {
            draft.Providers.Add(provider);
        }

        if (!draft.Sources.Contains(Source))
        {
            draft.Sources.Add(Source);
        }
    }
}
