using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentGuard.Http.Pricing;

/// <summary>
/// Reads the price table format shared by the embedded table and users' price files:
/// <c>{"date": "...", "source": "...", "models": {"name": {"input": 0.15, "output": 0.6, ...}}}</c>
/// (optional members include <c>cachedInput</c>, <c>audioInput</c> and <c>audioOutput</c>).
/// Strict: an unknown property or an invalid value is an error that names the file and the model.
/// </summary>
internal static class PriceTableJson
{
    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public static PriceTable Read(Stream json, string origin)
    {
        PriceFile? file;
        try
        {
            file = JsonSerializer.Deserialize<PriceFile>(json, s_options);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Cannot read {origin}{WhereIn(ex.Path)}: {Describe(ex)}", ex);
        }

        if (file?.Models is null)
        {
            throw new InvalidDataException($"Cannot read {origin}: it has no \"models\" object.");
        }

        var models = new Dictionary<string, ModelPrice>(StringComparer.Ordinal);
        foreach (var (name, entry) in file.Models)
        {
            var price = entry.ToModelPrice(name, origin);
            if (ModelPriceRules.Validate(name, price) is { } error)
            {
                throw new InvalidDataException($"Cannot read {origin}: {error}");
            }

            models[name] = price;
        }

        return new PriceTable(file.Date ?? "unknown", file.Source ?? origin, models);
    }

    /// <summary>
    /// Names the model a JSON path points into and the property under it (<c>$.models.gpt-4o.imageTokens.kind</c>,
    /// or <c>$.models['gpt-4.1'].input</c>: a name with a dot is bracketed), else gives the path.
    /// </summary>
    /// <summary>
    /// The parser's message, with a wrong value's expected type said as a person says it (<c>a number</c>), not as
    /// <c>System.Nullable`1[System.Decimal]</c>.
    /// </summary>
    private static string Describe(JsonException ex)
    {
        var match = System.Text.RegularExpressions.Regex.Match(ex.Message, @"could not be converted to (\S+?)\.(\s|$)");
        if (!match.Success)
        {
            return ex.Message;
        }

        string type = match.Groups[1].Value;
        string expected = type switch
        {
            _ when type.Contains("Decimal", StringComparison.Ordinal) || type.Contains("Double", StringComparison.Ordinal) => "a number (USD per million tokens, for example 2.5)",
            _ when type.Contains("Int32", StringComparison.Ordinal) || type.Contains("Int64", StringComparison.Ordinal) => "a whole number",
            _ when type.Contains("Boolean", StringComparison.Ordinal) => "true or false",
            _ when type.Contains("String", StringComparison.Ordinal) => "a string",
            _ => "a value of another kind",
        };
        return $"the value there must be {expected}.";
    }

    private static string WhereIn(string? path)
    {
        const string Models = "$.models";
        if (path is null)
        {
            return "";
        }

        string rest = path.StartsWith(Models, StringComparison.Ordinal) ? path[Models.Length..] : "";
        string model, property;
        if (rest.StartsWith("['", StringComparison.Ordinal) && rest.IndexOf("']", 2, StringComparison.Ordinal) is var close and > 2)
        {
            (model, property) = (rest[2..close], rest[(close + 2)..]);
        }
        else if (rest.Length > 1 && rest[0] == '.')
        {
            int end = rest.IndexOfAny(['.', '['], 1);
            (model, property) = end < 0 ? (rest[1..], "") : (rest[1..end], rest[end..]);
        }
        else
        {
            return $" at {path}";
        }

        property = property.TrimStart('.');
        return property.Length > 0 ? $": model '{model}', property '{property}'" : $": model '{model}'";
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

    private sealed class PriceFile
    {
        public string? Date { get; set; }

        public string? Source { get; set; }

        public Dictionary<string, ModelEntry>? Models { get; set; }
    }

    private sealed class ModelEntry
    {
        public decimal? Input { get; set; }

        public decimal? CachedInput { get; set; }

        public decimal? Output { get; set; }

        public decimal? AudioInput { get; set; }

        public decimal? AudioOutput { get; set; }

        public int? ContextWindow { get; set; }

        public int? MaxOutputTokens { get; set; }

        public int? MaxInputTokens { get; set; }

        public string? Encoding { get; set; }

        public Dictionary<string, decimal>? TierMultipliers { get; set; }

        public LongContextEntry? LongContext { get; set; }

        public ImageTokensEntry? ImageTokens { get; set; }

        public ModelPrice ToModelPrice(string name, string origin)
        {
            if (Input is null || Output is null || ContextWindow is null || MaxOutputTokens is null)
            {
                throw new InvalidDataException(
                    $"Cannot read {origin}: model '{name}' needs \"input\", \"output\", \"contextWindow\" and \"maxOutputTokens\".");
            }

            var tiers = new Dictionary<ServiceTier, decimal>();
            foreach (var (tierName, multiplier) in TierMultipliers ?? [])
            {
                ServiceTier? parsed = tierName.ToUpperInvariant() switch
                {
                    "BATCH" => ServiceTier.Batch,
                    "FLEX" => ServiceTier.Flex,
                    "PRIORITY" => ServiceTier.Priority,
                    _ => null,
                };
                if (parsed is not { } tier)
                {
                    throw new InvalidDataException(
                        $"Cannot read {origin}: model '{name}' has an unknown tier '{tierName}' (use batch, flex or priority).");
                }

                tiers[tier] = multiplier;
            }

            return new ModelPrice
            {
                InputUsdPerMillionTokens = Input.Value,
                CachedInputUsdPerMillionTokens = CachedInput,
                OutputUsdPerMillionTokens = Output.Value,
                AudioInputUsdPerMillionTokens = AudioInput,
                AudioOutputUsdPerMillionTokens = AudioOutput,
                ContextWindowTokens = ContextWindow.Value,
                MaxOutputTokens = MaxOutputTokens.Value,
                MaxInputTokens = MaxInputTokens,
                Encoding = Encoding,
                TierMultipliers = tiers,
                LongContext = LongContext is null ? null : new LongContextPrice
                {
                    AboveInputTokens = LongContext.AboveInputTokens,
                    InputUsdPerMillionTokens = LongContext.Input,
                    CachedInputUsdPerMillionTokens = LongContext.CachedInput,
                    OutputUsdPerMillionTokens = LongContext.Output,
                },
                ImageTokens = ImageTokens?.ToRule(name, origin),
            };
        }
    }

    /// <summary>
    /// <c>{"kind": "tiles", "baseTokens": 85, "tokensPerTile": 170}</c> or
    /// <c>{"kind": "patches", "patchMultiplier": 1.62, "maxPatches": 1536}</c> (<c>maxPatches</c> optional).
    /// The fields of the other kind are refused, so that a rule is never read as something it does not say;
    /// the values themselves are checked by <see cref="ModelPriceRules"/>.
    /// </summary>
    private sealed class ImageTokensEntry
    {
        public string? Kind { get; set; }

        public int? BaseTokens { get; set; }

        public int? TokensPerTile { get; set; }

        public decimal? PatchMultiplier { get; set; }

        public int? MaxPatches { get; set; }

        public ImageTokenRule ToRule(string name, string origin)
        {
            switch (Kind?.ToUpperInvariant())
            {
                case "TILES":
                    if (BaseTokens is not { } baseTokens || TokensPerTile is not { } perTile || PatchMultiplier is not null || MaxPatches is not null)
                    {
                        throw Error("a tiles rule needs \"baseTokens\" and \"tokensPerTile\", and no \"patchMultiplier\" or \"maxPatches\"");
                    }

                    return ImageTokenRule.Tiles(baseTokens, perTile);

                case "PATCHES":
                    if (PatchMultiplier is not { } multiplier || BaseTokens is not null || TokensPerTile is not null)
                    {
                        throw Error("a patches rule needs \"patchMultiplier\" (and optionally \"maxPatches\"), and no \"baseTokens\" or \"tokensPerTile\"");
                    }

                    return ImageTokenRule.Patches(multiplier, MaxPatches ?? ImageTokenRule.DefaultMaxPatches);

                default:
                    throw Error(Kind is null ? "it needs a \"kind\" (tiles or patches)" : $"unknown kind '{Kind}' (use tiles or patches)");
            }

            InvalidDataException Error(string problem) =>
                new($"Cannot read {origin}: model '{name}' has invalid \"imageTokens\": {problem}.");
        }
    }

    private sealed class LongContextEntry
    {
        public int AboveInputTokens { get; set; }

        public decimal Input { get; set; }

        public decimal? CachedInput { get; set; }

        public decimal Output { get; set; }
    }
}
