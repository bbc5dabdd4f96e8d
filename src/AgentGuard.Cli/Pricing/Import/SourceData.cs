using System.Globalization;
using System.Text.Json;
using AgentGuard.Http.Pricing;

namespace AgentGuard.Cli.Pricing.Import;

/// <summary>pydantic genai-prices' data: its providers and their models, as its <c>data.json</c> and its npm bundle give them.</summary>
/// <param name="Providers">The providers, in the source's order.</param>
/// <param name="Description">What was read (<c>@pydantic/genai-prices 0.1.8 (npm package pydantic-genai-prices-0.1.8.tgz)</c>).</param>
internal sealed record SourceData(IReadOnlyList<SourceProvider> Providers, string Description)
{
    /// <summary>Reads the array of providers; an element that is not one is an error that names it.</summary>
    public static SourceData Read(JsonElement providers, string description)
    {
        if (providers.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{description} is not genai-prices data: it is {JsonKinds.Describe(providers)}, not a list of providers.");
        }

        var list = new List<SourceProvider>();
        foreach (var provider in providers.EnumerateArray())
        {
            string id = Text(provider, "id", $"a provider of {description}");
            string where = $"provider '{id}' of {description}";
            var models = new List<SourceModel>();
            foreach (var model in Items(provider, "models", where))
            {
                models.Add(SourceModel.Read(model, id, where));
            }

            list.Add(new SourceProvider(id, models));
        }

        return new SourceData(list, description);
    }

    public static IEnumerable<JsonElement> Items(JsonElement element, string name, string where) =>
        element.TryGetProperty(name, out var items) && items.ValueKind == JsonValueKind.Array
            ? items.EnumerateArray()
            : throw new InvalidDataException($"{Capitalized(where)} has no \"{name}\" list.");

    public static string Text(JsonElement element, string name, string where) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new InvalidDataException($"{Capitalized(where)} has no \"{name}\" string.");

    private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}

/// <summary>One provider of the source.</summary>
internal sealed record SourceProvider(string Id, IReadOnlyList<SourceModel> Models);

/// <summary>One model of a provider: its id, its matching rule, its context window and its prices (conditional or not).</summary>
internal sealed record SourceModel(string Provider, string Id, ModelMatch Match, int? ContextWindow, IReadOnlyList<ConditionalPrices> Prices)
{
    public static SourceModel Read(JsonElement model, string provider, string where)
    {
        string id = SourceData.Text(model, "id", $"a model of {where}");
        string at = $"model '{id}' of {where}";
        InvalidDataException Error(string problem) => new($"Cannot read {at}: {problem}.");

        var match = model.TryGetProperty("match", out var rule)
            ? ModelMatch.Read(rule, Error)
            : throw Error("it has no \"match\" rule");
        int? context = model.TryGetProperty("context_window", out var window) && window.ValueKind == JsonValueKind.Number
            ? (window.TryGetInt32(out int tokens) ? tokens : throw Error("its context_window is not a whole number"))
            : null;
        if (!model.TryGetProperty("prices", out var prices))
        {
            throw Error("it has no \"prices\"");
        }

        var conditional = prices.ValueKind == JsonValueKind.Array
            ? prices.EnumerateArray().Select(p => ConditionalPrices.Read(p, Error)).ToList()
            : [new ConditionalPrices(null, PriceSet.Read(prices, Error))];
        return new SourceModel(provider, id, match, context, conditional);
    }
}

/// <summary>A set of prices and the condition under which it applies (none: always, unless a later set applies).</summary>
internal sealed record ConditionalPrices(PriceConstraint? Constraint, PriceSet Prices)
{
    public static ConditionalPrices Read(JsonElement element, Func<string, Exception> error)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty("prices", out var prices))
        {
            throw error("a conditional price needs \"prices\"");
        }

        var constraint = element.TryGetProperty("constraint", out var c) && c.ValueKind != JsonValueKind.Null ? PriceConstraint.Read(c, error) : null;
        return new ConditionalPrices(constraint, PriceSet.Read(prices, error));
    }
}

/// <summary>
/// When a conditional price applies: from a date on (<c>start_date</c>), or in a daily window (<c>time_of_date</c>, which
/// applies at some time of every day).
/// </summary>
internal sealed record PriceConstraint(DateOnly? StartDate, string? TimeOfDay)
{
    public static PriceConstraint Read(JsonElement element, Func<string, Exception> error)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw error("a price constraint must be an object");
        }

        // The bundle says its type; the published data.json leaves it to the keys, as genai-prices normalizes it.
        string type = element.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()!
            : element.TryGetProperty("start_date", out _) ? "start_date"
            : element.TryGetProperty("start_time", out _) ? "time_of_date"
            : throw error("a price constraint needs a \"type\", a \"start_date\" or a \"start_time\"");
        switch (type)
        {
            case "start_date":
                string text = element.TryGetProperty("start_date", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : "";
                return DateOnly.TryParseExact(text.Length >= 10 ? text[..10] : text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                    ? new PriceConstraint(date, null)
                    : throw error($"a start_date constraint has an invalid date '{text}'");
            case "time_of_date":
                string Time(string name) => element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "?";
                return new PriceConstraint(null, $"{Time("start_time")}-{Time("end_time")}");
            default:
                // A condition that cannot be judged could be in force at any time.
                throw error($"a price constraint of unknown type '{type}'");
        }
    }
}

/// <summary>A price per unit key (<c>input_mtok</c>), flat or tiered by the request's total input.</summary>
internal sealed record PriceSet(IReadOnlyDictionary<string, TieredPrice> Prices)
{
    public static PriceSet Read(JsonElement element, Func<string, Exception> error)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw error($"its prices must be an object, not {JsonKinds.Describe(element)}");
        }

        var prices = new Dictionary<string, TieredPrice>(StringComparer.Ordinal);
        foreach (var price in element.EnumerateObject())
        {
            if (price.Value.ValueKind != JsonValueKind.Null)
            {
                prices[price.Name] = TieredPrice.Read(price.Value, problem => error($"price '{price.Name}': {problem}"));
            }
        }

        return new PriceSet(prices);
    }
}

/// <summary>
/// A price and its tiers: once the request's total input exceeds a tier's <c>start</c>, every token of the request bills at
/// that tier's price (genai-prices' threshold pricing).
/// </summary>
internal sealed record TieredPrice(decimal Base, IReadOnlyList<(int Start, decimal Price)> Tiers)
{
    public static TieredPrice Read(JsonElement element, Func<string, Exception> error)
    {
        if (element.ValueKind == JsonValueKind.Number)
        {
            return new TieredPrice(Decimal(element, error), []);
        }

        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty("base", out var b) || !element.TryGetProperty("tiers", out var tiers) || tiers.ValueKind != JsonValueKind.Array)
        {
            throw error("expected a number or {\"base\": ..., \"tiers\": [...]}");
        }

        var list = new List<(int, decimal)>();
        foreach (var tier in tiers.EnumerateArray())
        {
            if (tier.ValueKind != JsonValueKind.Object || !tier.TryGetProperty("start", out var start) || !start.TryGetInt32(out int from) || from < 0
                || !tier.TryGetProperty("price", out var price))
            {
                throw error("a tier needs a whole \"start\" and a \"price\"");
            }

            list.Add((from, Decimal(price, error)));
        }

        return new TieredPrice(Decimal(b, error), list);
    }

    private static decimal Decimal(JsonElement element, Func<string, Exception> error)
    {
        if (element.ValueKind == JsonValueKind.Number
            && (element.TryGetDecimal(out decimal value) || decimal.TryParse(element.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out value))
            && value >= 0)
        {
            return value;
        }

        throw error($"expected a price of zero or more, not {element.GetRawText()}");
    }
}
