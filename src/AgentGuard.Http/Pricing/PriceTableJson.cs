using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentGuard.Http.Pricing;

/// <summary>
/// Reads the price table format shared by the embedded table and users' price files:
/// <c>{"date": "...", "source": "...", "models": {"name": {"input": 0.15, "output": 0.6, ...}}}</c>.
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
            throw new InvalidDataException($"Cannot read {origin}{WhereIn(ex.Path)}: {ex.Message}", ex);
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

    /// <summary>Names the model a JSON path points into (<c>$.models.gpt-4o.input</c>), else the path.</summary>
    private static string WhereIn(string? path)
    {
        const string Models = "$.models.";
        if (path is null)
        {
            return "";
        }

        if (path.StartsWith(Models, StringComparison.Ordinal))
        {
            string rest = path[Models.Length..];
            int dot = rest.LastIndexOf('.');
            return dot > 0 ? $": model '{rest[..dot]}', property '{rest[(dot + 1)..]}'" : $": model '{rest}'";
        }

        return $" at {path}";
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

        public int? ContextWindow { get; set; }

        public int? MaxOutputTokens { get; set; }

        public int? MaxInputTokens { get; set; }

        public string? Encoding { get; set; }

        public Dictionary<string, decimal>? TierMultipliers { get; set; }

        public LongContextEntry? LongContext { get; set; }

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
            };
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
