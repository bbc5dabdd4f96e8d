using System.Text.Encodings.Web;
using System.Text.Json;

namespace AgentGuard.Http.Pricing;

/// <summary>
/// Reads and writes the price table format shared by the embedded table and users' price files:
/// <c>{"date": "...", "source": "...", "models": {"name": {"input": 0.15, "output": 0.6, ...}}}</c>
/// (optional members include <c>cachedInput</c>, <c>cacheWrite</c>, <c>audioInput</c>, <c>providers</c> and <c>match</c>).
/// Strict: an unknown property or an invalid value is an error that names the file, the model and the property, and says
/// what was expected in words ("a number"), never as a .NET type.
/// </summary>
internal static class PriceTableJson
{
    private static readonly JsonDocumentOptions s_documentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static PriceTable Read(Stream json, string origin)
    {
        using var buffer = new MemoryStream();
        json.CopyTo(buffer);
        var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, s_documentOptions);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Cannot read {origin}{WhereSyntaxFails(bytes.Span)}: {ex.Message}", ex);
        }

        using (document)
        {
            return Read(document.RootElement, origin);
        }
    }

    public static PriceTable ReadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"The prices file '{path}' does not exist.");
        }

        using var stream = File.OpenRead(path);
        return Read(stream, $"the prices file '{path}'");
    }

    /// <summary>Reads a table from a parsed document (the CLI's import recognizes the format before reading it).</summary>
    public static PriceTable Read(JsonElement root, string origin)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("models", out var modelsElement) || modelsElement.ValueKind == JsonValueKind.Null)
        {
            throw new InvalidDataException($"Cannot read {origin}: it has no \"models\" object.");
        }

        string? date = null, source = null;
        foreach (var member in root.EnumerateObject())
        {
            switch (member.Name)
            {
                case "date":
                    date = String(member.Value, Where(origin, null, "date"));
                    break;
                case "source":
                    source = String(member.Value, Where(origin, null, "source"));
                    break;
                case "models":
                    break;
                default:
                    throw new InvalidDataException($"Cannot read {origin}: it has an unknown property '{member.Name}' (use date, source and models).");
            }
        }

        if (modelsElement.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"Cannot read {origin}: \"models\" must be an object of model names, not {JsonKinds.Describe(modelsElement)}.");
        }

        var models = new Dictionary<string, ModelPrice>(StringComparer.Ordinal);
        foreach (var model in modelsElement.EnumerateObject())
        {
            var price = ReadModel(model.Name, model.Value, origin);
            if (ModelPriceRules.Validate(model.Name, price) is { } error)
            {
                throw new InvalidDataException($"Cannot read {origin}: {error}");
            }

            models[model.Name] = price;
        }

        return new PriceTable(new PriceOrigin(origin, date, source ?? origin), models);
    }

    /// <summary>Writes a table in the format <see cref="Read(Stream, string)"/> reads, models in the order given.</summary>
    public static void Write(Stream stream, string? date, string source, IEnumerable<KeyValuePair<string, ModelPrice>> models)
    {
        using var writer = new Utf8JsonWriter(stream, s_writerOptions);
        writer.WriteStartObject();
        if (date is not null)
        {
            writer.WriteString("date", date);
        }

        writer.WriteString("source", source);
        writer.WriteStartObject("models");
        foreach (var (name, price) in models)
        {
            writer.WritePropertyName(name);
            WriteModel(writer, price);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.Flush();
        stream.Write("\n"u8);
    }

    /// <summary>
    /// Where the JSON stops being JSON, as the model and property it is in (<c>: model 'gpt-4.1', property 'input'</c>), so
    /// that a typo in one entry of a long file is found at once; empty when it is not inside a model.
    /// </summary>
    private static string WhereSyntaxFails(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var path = new List<string>();
        string? pending = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        pending = reader.GetString();
                        break;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        path.Add(pending ?? "");
                        pending = null;
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        path.RemoveAt(path.Count - 1);
                        break;
                    default:
                        pending = null;
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // path: "", "models", the model, then the properties within it; pending: the property being read.
            if (path.Count >= 3 && path[1] == "models")
            {
                string property = string.Join(".", path.Skip(3).Append(pending ?? "").Where(p => p.Length > 0));
                return property.Length > 0 ? $": model '{path[2]}', property '{property}'" : $": model '{path[2]}'";
            }
        }

        return "";
    }

    private static ModelPrice ReadModel(string name, JsonElement entry, string origin)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"Cannot read {origin}: model '{name}' must be an object of prices and limits, not {JsonKinds.Describe(entry)}.");
        }

        decimal? input = null, output = null;
        int? contextWindow = null, maxOutput = null;
        var price = new ModelPrice();
        foreach (var member in entry.EnumerateObject())
        {
            var where = Where(origin, name, member.Name);
            var value = member.Value;
            switch (member.Name)
            {
                case "input": input = Number(value, where); break;
                case "cachedInput": price.CachedInputUsdPerMillionTokens = OptionalNumber(value, where); break;
                case "output": output = Number(value, where); break;
                case "cacheWrite": price.CacheWriteUsdPerMillionTokens = OptionalNumber(value, where); break;
                case "cacheWrite1h": price.CacheWrite1hUsdPerMillionTokens = OptionalNumber(value, where); break;
                case "audioInput": price.AudioInputUsdPerMillionTokens = OptionalNumber(value, where); break;
                case "audioOutput": price.AudioOutputUsdPerMillionTokens = OptionalNumber(value, where); break;
                case "contextWindow": contextWindow = WholeNumber(value, where); break;
                case "maxOutputTokens": maxOutput = WholeNumber(value, where); break;
                case "maxInputTokens": price.MaxInputTokens = value.ValueKind == JsonValueKind.Null ? null : WholeNumber(value, where); break;
                case "encoding": price.Encoding = value.ValueKind == JsonValueKind.Null ? null : String(value, where); break;
                case "tierMultipliers": price.TierMultipliers = ReadTiers(value, name, origin); break;
                case "longContext": price.LongContext = value.ValueKind == JsonValueKind.Null ? null : ReadLongContext(value, name, origin); break;
                case "imageTokens": price.ImageTokens = value.ValueKind == JsonValueKind.Null ? null : ReadImageTokens(value, name, origin); break;
                case "providers": price.Providers = ReadProviders(value, where); break;
                case "match": price.Match = ModelMatch.Read(value, problem => where.Error(problem)); break;
                case "source": price.SourceNote = String(value, where); break;
                default:
                    throw new InvalidDataException($"Cannot read {origin}: model '{name}' has an unknown property '{member.Name}'.");
            }
        }

        if (input is null || output is null || contextWindow is null || maxOutput is null)
        {
            throw new InvalidDataException(
                $"Cannot read {origin}: model '{name}' needs \"input\", \"output\", \"contextWindow\" and \"maxOutputTokens\".");
        }

        price.InputUsdPerMillionTokens = input.Value;
        price.OutputUsdPerMillionTokens = output.Value;
        price.ContextWindowTokens = contextWindow.Value;
        price.MaxOutputTokens = maxOutput.Value;
        return price;
    }

    internal static Dictionary<ServiceTier, decimal> ReadTiers(JsonElement value, string name, string origin)
    {
        var tiers = new Dictionary<ServiceTier, decimal>();
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Where(origin, name, "tierMultipliers").Error($"expected an object of tiers and multipliers, not {JsonKinds.Describe(value)}");
        }

        foreach (var tier in value.EnumerateObject())
        {
            ServiceTier? parsed = tier.Name.ToUpperInvariant() switch
            {
                "BATCH" => ServiceTier.Batch,
                "FLEX" => ServiceTier.Flex,
                "PRIORITY" => ServiceTier.Priority,
                _ => null,
            };
            if (parsed is not { } known)
            {
                throw new InvalidDataException(
                    $"Cannot read {origin}: model '{name}' has an unknown tier '{tier.Name}' (use batch, flex or priority).");
            }

            tiers[known] = Number(tier.Value, Where(origin, name, $"tierMultipliers.{tier.Name}"));
        }

        return tiers;
    }

    internal static LongContextPrice ReadLongContext(JsonElement value, string name, string origin)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Where(origin, name, "longContext").Error($"expected an object, not {JsonKinds.Describe(value)}");
        }

        int? above = null;
        decimal? input = null, output = null;
        var price = new LongContextPrice();
        foreach (var member in value.EnumerateObject())
        {
            var where = Where(origin, name, $"longContext.{member.Name}");
            switch (member.Name)
            {
                case "aboveInputTokens": above = WholeNumber(member.Value, where); break;
                case "input": input = Number(member.Value, where); break;
                case "cachedInput": price.CachedInputUsdPerMillionTokens = OptionalNumber(member.Value, where); break;
                case "output": output = Number(member.Value, where); break;
                case "cacheWrite": price.CacheWriteUsdPerMillionTokens = OptionalNumber(member.Value, where); break;
                case "cacheWrite1h": price.CacheWrite1hUsdPerMillionTokens = OptionalNumber(member.Value, where); break;
                default:
                    throw new InvalidDataException($"Cannot read {origin}: model '{name}' has an unknown property 'longContext.{member.Name}'.");
            }
        }

        if (above is null || input is null || output is null)
        {
            throw new InvalidDataException($"Cannot read {origin}: model '{name}' has a \"longContext\" that needs \"aboveInputTokens\", \"input\" and \"output\".");
        }

        price.AboveInputTokens = above.Value;
        price.InputUsdPerMillionTokens = input.Value;
        price.OutputUsdPerMillionTokens = output.Value;
        return price;
    }

    /// <summary>
    /// <c>{"kind": "tiles", "baseTokens": 85, "tokensPerTile": 170}</c> or
    /// <c>{"kind": "patches", "patchMultiplier": 1.62, "maxPatches": 1536}</c> (<c>maxPatches</c> optional).
    /// The fields of the other kind are refused, so that a rule is never read as something it does not say;
    /// the values themselves are checked by <see cref="ModelPriceRules"/>.
    /// </summary>
    internal static ImageTokenRule ReadImageTokens(JsonElement value, string name, string origin)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Where(origin, name, "imageTokens").Error($"expected an object, not {JsonKinds.Describe(value)}");
        }

        string? kind = null;
        int? baseTokens = null, tokensPerTile = null, maxPatches = null;
        decimal? patchMultiplier = null;
        foreach (var member in value.EnumerateObject())
        {
            var where = Where(origin, name, $"imageTokens.{member.Name}");
            switch (member.Name)
            {
                case "kind": kind = String(member.Value, where); break;
                case "baseTokens": baseTokens = WholeNumber(member.Value, where); break;
                case "tokensPerTile": tokensPerTile = WholeNumber(member.Value, where); break;
                case "patchMultiplier": patchMultiplier = Number(member.Value, where); break;
                case "maxPatches": maxPatches = WholeNumber(member.Value, where); break;
                default:
                    throw new InvalidDataException($"Cannot read {origin}: model '{name}' has an unknown property 'imageTokens.{member.Name}'.");
            }
        }

        switch (kind?.ToUpperInvariant())
        {
            case "TILES":
                if (baseTokens is not { } tileBase || tokensPerTile is not { } perTile || patchMultiplier is not null || maxPatches is not null)
                {
                    throw Error("a tiles rule needs \"baseTokens\" and \"tokensPerTile\", and no \"patchMultiplier\" or \"maxPatches\"");
                }

                return ImageTokenRule.Tiles(tileBase, perTile);

            case "PATCHES":
                if (patchMultiplier is not { } multiplier || baseTokens is not null || tokensPerTile is not null)
                {
                    throw Error("a patches rule needs \"patchMultiplier\" (and optionally \"maxPatches\"), and no \"baseTokens\" or \"tokensPerTile\"");
                }

                return ImageTokenRule.Patches(multiplier, maxPatches ?? ImageTokenRule.DefaultMaxPatches);

            default:
                throw Error(kind is null ? "it needs a \"kind\" (tiles or patches)" : $"unknown kind '{kind}' (use tiles or patches)");
        }

        InvalidDataException Error(string problem) =>
            new($"Cannot read {origin}: model '{name}' has invalid \"imageTokens\": {problem}.");
    }

    private static string[] ReadProviders(JsonElement value, Location where)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw where.Error($"expected a list of provider names, not {JsonKinds.Describe(value)}");
        }

        var providers = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            string text = String(item, where);
            providers.Add(PriceProviders.Find(text) ?? throw where.Error($"unknown provider '{text}' (use {PriceProviders.Names})"));
        }

        return [.. providers.Distinct(StringComparer.Ordinal)];
    }

    private static void WriteModel(Utf8JsonWriter writer, ModelPrice price)
    {
        writer.WriteStartObject();
        if (price.Providers.Count > 0)
        {
            writer.WriteStartArray("providers");
            foreach (string provider in price.Providers)
            {
                writer.WriteStringValue(provider);
            }

            writer.WriteEndArray();
        }

        if (price.Match is { } match)
        {
            writer.WritePropertyName("match");
            match.WriteTo(writer);
        }

        writer.WriteNumber("input", Normalize(price.InputUsdPerMillionTokens));
        WriteOptional(writer, "cachedInput", price.CachedInputUsdPerMillionTokens);
        writer.WriteNumber("output", Normalize(price.OutputUsdPerMillionTokens));
        WriteOptional(writer, "cacheWrite", price.CacheWriteUsdPerMillionTokens);
        WriteOptional(writer, "cacheWrite1h", price.CacheWrite1hUsdPerMillionTokens);
        WriteOptional(writer, "audioInput", price.AudioInputUsdPerMillionTokens);
        WriteOptional(writer, "audioOutput", price.AudioOutputUsdPerMillionTokens);
        writer.WriteNumber("contextWindow", price.ContextWindowTokens);
        writer.WriteNumber("maxOutputTokens", price.MaxOutputTokens);
        if (price.MaxInputTokens is { } maxInput)
        {
            writer.WriteNumber("maxInputTokens", maxInput);
        }

        if (price.Encoding is { } encoding)
        {
            writer.WriteString("encoding", encoding);
        }

        if (price.TierMultipliers.Count > 0)
        {
            writer.WriteStartObject("tierMultipliers");
            foreach (var (tier, multiplier) in price.TierMultipliers.OrderBy(t => t.Key))
            {
                writer.WriteNumber(tier.ToString().ToLowerInvariant(), Normalize(multiplier));
            }

            writer.WriteEndObject();
        }

        if (price.LongContext is { } lc)
        {
            writer.WriteStartObject("longContext");
            writer.WriteNumber("aboveInputTokens", lc.AboveInputTokens);
            writer.WriteNumber("input", Normalize(lc.InputUsdPerMillionTokens));
            WriteOptional(writer, "cachedInput", lc.CachedInputUsdPerMillionTokens);
            writer.WriteNumber("output", Normalize(lc.OutputUsdPerMillionTokens));
            WriteOptional(writer, "cacheWrite", lc.CacheWriteUsdPerMillionTokens);
            WriteOptional(writer, "cacheWrite1h", lc.CacheWrite1hUsdPerMillionTokens);
            writer.WriteEndObject();
        }

        if (price.ImageTokens is { } rule)
        {
            writer.WriteStartObject("imageTokens");
            if (rule.Kind == ImageTokenKind.Tiles)
            {
                writer.WriteString("kind", "tiles");
                writer.WriteNumber("baseTokens", rule.BaseTokens);
                writer.WriteNumber("tokensPerTile", rule.TokensPerTile);
            }
            else
            {
                writer.WriteString("kind", "patches");
                writer.WriteNumber("patchMultiplier", Normalize(rule.PatchMultiplier));
                if (rule.MaxPatches != ImageTokenRule.DefaultMaxPatches)
                {
                    writer.WriteNumber("maxPatches", rule.MaxPatches);
                }
            }

            writer.WriteEndObject();
        }

        if (price.SourceNote is { } note)
        {
            writer.WriteString("source", note);
        }

        writer.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, decimal? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, Normalize(number));
        }
    }

    /// <summary>The same amount without trailing zeros (<c>2.50</c> is written <c>2.5</c>).</summary>
    private static decimal Normalize(decimal value) => value / 1.000000000000000000000000000000000m;

    private static decimal Number(JsonElement value, Location where)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out decimal number))
        {
            return number;
        }

        throw where.Error($"expected a number, not {JsonKinds.Describe(value)}");
    }

    private static decimal? OptionalNumber(JsonElement value, Location where) =>
        value.ValueKind == JsonValueKind.Null ? null : Number(value, where);

    private static int WholeNumber(JsonElement value, Location where)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number))
        {
            return number;
        }

        throw where.Error(value.ValueKind == JsonValueKind.Number
            ? $"expected a whole number of tokens, not {value.GetRawText()}"
            : $"expected a whole number, not {JsonKinds.Describe(value)}");
    }

    private static string String(JsonElement value, Location where) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw where.Error($"expected a string, not {JsonKinds.Describe(value)}");

    private static Location Where(string origin, string? model, string property) => new(origin, model, property);

    /// <summary>A property of a model (or of the file), for the message of an invalid value.</summary>
    private readonly record struct Location(string Origin, string? Model, string Property)
    {
        public InvalidDataException Error(string problem) => new(Model is null
            ? $"Cannot read {Origin}: property '{Property}': {problem}."
            : $"Cannot read {Origin}: model '{Model}', property '{Property}': {problem}.");
    }
}
