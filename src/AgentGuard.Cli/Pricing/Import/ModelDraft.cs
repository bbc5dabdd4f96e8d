using AgentGuard.Http;
using AgentGuard.Http.Pricing;

namespace AgentGuard.Cli.Pricing.Import;

/// <summary>
/// A model of the table being built, before it is known to be complete: what the source says, raised by the overrides'
/// limits, merged with the same model of other providers, amended by the hand-checked facts. Every merge keeps upper
/// bounds: the higher price, the larger limit, the lower long-context threshold.
/// </summary>
internal sealed class ModelDraft(string name)
{
    public string Name { get; } = name;

    public List<string> Providers { get; } = [];

    public ModelMatch? Match { get; set; }

    public decimal? Input { get; set; }

    /// <summary>The cached input price; <see langword="null"/>: cached input bills at the input price.</summary>
    public decimal? CachedInput { get; set; }

    public decimal? Output { get; set; }

    public decimal? CacheWrite { get; set; }

    public decimal? CacheWrite1h { get; set; }

    public decimal? AudioInput { get; set; }

    public decimal? AudioOutput { get; set; }

    public LongContextPrice? LongContext { get; set; }

    public int? ContextWindow { get; set; }

    public int? MaxOutputTokens { get; set; }

    public int? MaxInputTokens { get; set; }

    public string? Encoding { get; set; }

    public Dictionary<ServiceTier, decimal> Tiers { get; } = [];

    public ImageTokenRule? ImageTokens { get; set; }

    /// <summary>Where the figures come from: the source's model, then each override line that changed them.</summary>
    public List<string> Sources { get; } = [];

    /// <summary>Why the model cannot be priced whatever the overrides say (a price unit the table cannot represent).</summary>
    public string? Unusable { get; set; }

    /// <summary>Merges the same model as another provider bills it: the higher of every price and limit.</summary>
    public void MergeFrom(ModelDraft other)
    {
        foreach (string provider in other.Providers.Where(p => !Providers.Contains(p)))
        {
            Providers.Add(provider);
        }

        Match = other.Match is null ? Match : ModelMatch.Either(Match, other.Match);
        MergePrices(other.Input, other.CachedInput, other.Output, other.CacheWrite, other.CacheWrite1h, other.LongContext);
        AudioInput = Max(AudioInput, other.AudioInput);
        AudioOutput = Max(AudioOutput, other.AudioOutput);
        ContextWindow = Max(ContextWindow, other.ContextWindow);
        MaxOutputTokens = Max(MaxOutputTokens, other.MaxOutputTokens);
        MaxInputTokens = MaxInputTokens is null || other.MaxInputTokens is null ? null : Math.Max(MaxInputTokens.Value, other.MaxInputTokens.Value);
        Encoding ??= other.Encoding;
        foreach (var (tier, multiplier) in other.Tiers)
        {
            Tiers[tier] = Tiers.TryGetValue(tier, out decimal mine) ? Math.Max(mine, multiplier) : multiplier;
        }

        ImageTokens ??= other.ImageTokens;
        Unusable ??= other.Unusable;
        Sources.AddRange(other.Sources.Where(s => !Sources.Contains(s)));
    }

    /// <summary>
    /// Raises the prices to <paramref name="input"/>, ... where those are higher. A cached price of <see langword="null"/> means
    /// the input price, so it is compared as that; the long-context prices are compared with the other side's prices at the
    /// same size (its long-context prices, else its flat ones), from the lower of the two thresholds.
    /// </summary>
    public void MergePrices(decimal? input, decimal? cachedInput, decimal? output, decimal? cacheWrite, decimal? cacheWrite1h, LongContextPrice? longContext)
    {
        var (myInput, myCached, myOutput, myWrite, myWrite1h) = (Input, CachedInput, Output, CacheWrite, CacheWrite1h);
        Input = Max(Input, input);
        Output = Max(Output, output);
        CachedInput = (myCached ?? myInput, cachedInput ?? input) switch
        {
            (null, var theirs) => cachedInput is null ? null : theirs,
            (var mine, null) => myCached is null ? null : mine,
            var (mine, theirs) => myCached is null && cachedInput is null ? null : Math.Max(mine!.Value, theirs!.Value),
        };
        CacheWrite = Max(CacheWrite, cacheWrite);
        CacheWrite1h = Max(CacheWrite1h, cacheWrite1h);
        if (LongContext is null && longContext is null)
        {
            return;
        }

        if (myInput is null && LongContext is null)
        {
            // Nothing priced yet: the other side's long-context prices are the only ones.
            LongContext = longContext;
            return;
        }

        if (input is null && longContext is null)
        {
            return;
        }

        LongContextPrice Side(LongContextPrice? lc, decimal? i, decimal? c, decimal? o, decimal? w, decimal? w1) => lc ?? new LongContextPrice
        {
            AboveInputTokens = int.MaxValue,
            InputUsdPerMillionTokens = i ?? 0,
            CachedInputUsdPerMillionTokens = c,
            OutputUsdPerMillionTokens = o ?? 0,
            CacheWriteUsdPerMillionTokens = w,
            CacheWrite1hUsdPerMillionTokens = w1,
        };

        var mineAtLength = Side(LongContext, myInput, myCached, myOutput, myWrite, myWrite1h);
        var theirsAtLength = Side(longContext, input, cachedInput, output, cacheWrite, cacheWrite1h);
        LongContext = new LongContextPrice
        {
            AboveInputTokens = Math.Min(mineAtLength.AboveInputTokens, theirsAtLength.AboveInputTokens),
            InputUsdPerMillionTokens = Math.Max(mineAtLength.InputUsdPerMillionTokens, theirsAtLength.InputUsdPerMillionTokens),
            CachedInputUsdPerMillionTokens = mineAtLength.CachedInputUsdPerMillionTokens is null || theirsAtLength.CachedInputUsdPerMillionTokens is null
                ? null
                : Math.Max(mineAtLength.CachedInputUsdPerMillionTokens.Value, theirsAtLength.CachedInputUsdPerMillionTokens.Value),
            OutputUsdPerMillionTokens = Math.Max(mineAtLength.OutputUsdPerMillionTokens, theirsAtLength.OutputUsdPerMillionTokens),
            CacheWriteUsdPerMillionTokens = Max(mineAtLength.CacheWriteUsdPerMillionTokens, theirsAtLength.CacheWriteUsdPerMillionTokens),
            CacheWrite1hUsdPerMillionTokens = Max(mineAtLength.CacheWrite1hUsdPerMillionTokens, theirsAtLength.CacheWrite1hUsdPerMillionTokens),
        };
    }

    /// <summary>What the model still lacks to be priced (input, output, context window, max output), or <see langword="null"/>.</summary>
    public string? Missing()
    {
        if (Unusable is not null)
        {
            return Unusable;
        }

        var missing = new List<string>();
        if (Input is null)
        {
            missing.Add("input price");
        }

        if (Output is null)
        {
            missing.Add("output price");
        }

        if (ContextWindow is null)
        {
            missing.Add("context window");
        }

        if (MaxOutputTokens is null)
        {
            missing.Add("max output tokens");
        }

        return missing.Count == 0 ? null : "no " + string.Join(", ", missing);
    }

    public ModelPrice ToModelPrice() => new()
    {
        InputUsdPerMillionTokens = Input!.Value,
        CachedInputUsdPerMillionTokens = CachedInput,
        OutputUsdPerMillionTokens = Output!.Value,
        CacheWriteUsdPerMillionTokens = CacheWrite,
        CacheWrite1hUsdPerMillionTokens = CacheWrite1h,
        AudioInputUsdPerMillionTokens = AudioInput,
        AudioOutputUsdPerMillionTokens = AudioOutput,
        ContextWindowTokens = ContextWindow!.Value,
        MaxOutputTokens = MaxOutputTokens!.Value,
        MaxInputTokens = MaxInputTokens,
        Encoding = Encoding,
        TierMultipliers = new Dictionary<ServiceTier, decimal>(Tiers),
        LongContext = LongContext,
        ImageTokens = ImageTokens,
        Match = Match,
        Providers = [.. Providers],
        SourceNote = string.Join("; ", Sources),
    };

    public static decimal? Max(decimal? a, decimal? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    public static int? Max(int? a, int? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}
