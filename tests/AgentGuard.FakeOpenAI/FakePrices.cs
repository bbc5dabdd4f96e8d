using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace AgentGuard.FakeOpenAI;

/// <summary>Which endpoint serves a model.</summary>
public enum FakeModelKind
{
    /// <summary>/v1/chat/completions and /v1/responses.</summary>
    Chat,

    /// <summary>The legacy /v1/completions.</summary>
    Completions,

    /// <summary>/v1/embeddings (no output price).</summary>
    Embeddings,
}

/// <summary>One model's list prices (USD per 1M tokens) and limits. Flex and Priority are the
/// tier multipliers, null when the model does not offer the tier; LongContext applies to a request
/// whose prompt exceeds <see cref="FakeLongContextPrice.AbovePromptTokens"/>. An embeddings model's
/// MaxInput is its limit per input.</summary>
public sealed record FakeModelPrice(
    string Model,
    decimal Input,
    decimal CachedInput,
    decimal Output,
    int ContextWindow,
    int MaxInput,
    int MaxOutput,
    string Encoding,
    decimal? Flex = null,
    decimal? Priority = null,
    FakeLongContextPrice? LongContext = null,
    FakeModelKind Kind = FakeModelKind.Chat);

public sealed record FakeLongContextPrice(int AbovePromptTokens, decimal Input, decimal CachedInput, decimal Output);

/// <summary>A model's audio prices (USD per 1M audio tokens), set per test in <see cref="FakeBehavior.AudioPricesUsd"/>:
/// the fake's table has none, as the reference prices give none.</summary>
public readonly record struct FakeAudioPrice(decimal Input, decimal Output);

/// <summary>The fake's own price table, independent of the library under test.</summary>
public static partial class FakePrices
{
    /// <summary>Where the numbers come from.</summary>
    public const string Source = "shared/reference/prices.md (LiteLLM and genai-prices, 2026-08)";

    public const string O200kBase = "o200k_base";
    public const string Cl100kBase = "cl100k_base";

    private const int LongAbove = 272_000;

    public static FrozenDictionary<string, FakeModelPrice> Models { get; } = new FakeModelPrice[]
    {
        new("gpt-5.5", 5.00m, 0.50m, 30.00m, 1_050_000, 1_050_000, 128_000, O200kBase, Priority: 2.0m,
            LongContext: new(LongAbove, 10.00m, 1.00m, 45.00m)),
        new("gpt-5.4", 2.50m, 0.25m, 15.00m, 1_050_000, 1_050_000, 128_000, O200kBase, Flex: 0.5m, Priority: 2.0m,
            LongContext: new(LongAbove, 5.00m, 0.50m, 22.50m)),
        new("gpt-5.2", 1.75m, 0.175m, 14.00m, 400_000, 272_000, 128_000, O200kBase, Priority: 2.0m),
        new("gpt-5.1", 1.25m, 0.125m, 10.00m, 400_000, 272_000, 128_000, O200kBase, Priority: 2.0m),
        new("gpt-5", 1.25m, 0.125m, 10.00m, 400_000, 272_000, 128_000, O200kBase, Flex: 0.5m, Priority: 2.0m),
        new("gpt-5-mini", 0.25m, 0.025m, 2.00m, 400_000, 272_000, 128_000, O200kBase, Flex: 0.5m, Priority: 1.8m),
        new("gpt-5-nano", 0.05m, 0.005m, 0.40m, 400_000, 272_000, 128_000, O200kBase, Flex: 0.5m),
        new("gpt-4.1", 2.00m, 0.50m, 8.00m, 1_047_576, 1_047_576, 32_768, O200kBase, Priority: 1.75m),
        new("gpt-4.1-mini", 0.40m, 0.10m, 1.60m, 1_047_576, 1_047_576, 32_768, O200kBase, Priority: 1.75m),
        new("gpt-4.1-nano", 0.10m, 0.025m, 0.40m, 1_047_576, 1_047_576, 32_768, O200kBase, Priority: 1.75m),
        new("gpt-4o", 2.50m, 1.25m, 10.00m, 128_000, 128_000, 16_384, O200kBase, Priority: 1.7m),
        new("gpt-4o-2024-05-13", 5.00m, 5.00m, 15.00m, 128_000, 128_000, 4_096, O200kBase),
        new("gpt-4o-mini", 0.15m, 0.075m, 0.60m, 128_000, 128_000, 16_384, O200kBase, Priority: 1.67m),
        new("o1", 15.00m, 7.50m, 60.00m, 200_000, 200_000, 100_000, O200kBase),
        new("o3", 2.00m, 0.50m, 8.00m, 200_000, 200_000, 100_000, O200kBase, Flex: 0.5m, Priority: 1.75m),
        new("o3-pro", 20.00m, 20.00m, 80.00m, 200_000, 200_000, 100_000, O200kBase),
        new("o4-mini", 1.10m, 0.275m, 4.40m, 200_000, 200_000, 100_000, O200kBase, Flex: 0.5m, Priority: 1.82m),
        new("gpt-4-turbo", 10.00m, 10.00m, 30.00m, 128_000, 128_000, 4_096, Cl100kBase),
        new("gpt-4", 30.00m, 30.00m, 60.00m, 8_192, 8_192, 4_096, Cl100kBase),
        new("gpt-3.5-turbo", 0.50m, 0.50m, 1.50m, 16_385, 16_385, 4_096, Cl100kBase),
        new("gpt-3.5-turbo-instruct", 1.50m, 1.50m, 2.00m, 4_096, 4_096, 4_096, Cl100kBase, Kind: FakeModelKind.Completions),
        new("davinci-002", 2.00m, 2.00m, 2.00m, 16_384, 16_384, 16_384, Cl100kBase, Kind: FakeModelKind.Completions),
        new("babbage-002", 0.40m, 0.40m, 0.40m, 16_384, 16_384, 16_384, Cl100kBase, Kind: FakeModelKind.Completions),
        new("text-embedding-3-small", 0.02m, 0.02m, 0m, 8_191, 8_191, 0, Cl100kBase, Kind: FakeModelKind.Embeddings),
        new("text-embedding-3-large", 0.13m, 0.13m, 0m, 8_191, 8_191, 0, Cl100kBase, Kind: FakeModelKind.Embeddings),
        new("text-embedding-ada-002", 0.10m, 0.10m, 0m, 8_191, 8_191, 0, Cl100kBase, Kind: FakeModelKind.Embeddings),
    }.ToFrozenDictionary(p => p.Model, StringComparer.Ordinal);

    /// <summary>Finds a model's prices; dated snapshots (gpt-4o-mini-2024-07-18, gpt-3.5-turbo-0125)
    /// bill as their family unless listed themselves.</summary>
    public static bool TryResolve(string model, [NotNullWhen(true)] out FakeModelPrice? price)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Models.TryGetValue(model, out price))
        {
            return true;
        }

        var match = SnapshotSuffix().Match(model);
        if (match.Success && Models.TryGetValue(model[..match.Index], out price))
        {
            return true;
        }

        price = null;
        return false;
    }

    public static FakeModelPrice Resolve(string model) =>
        TryResolve(model, out var price) ? price : throw new ArgumentException($"The fake has no price for model '{model}'.", nameof(model));

    /// <summary>The multiplier of a service tier for a model; null when the model does not offer the
    /// tier (a missing price, not a zero one). Null, "auto" and "default" are the standard tier.</summary>
    public static decimal? TierMultiplier(FakeModelPrice price, string? tier)
    {
        ArgumentNullException.ThrowIfNull(price);
        return tier switch
        {
            null or "auto" or "default" => 1m,
            "flex" => price.Flex,
            "priority" => price.Priority,
            _ => null,
        };
    }

    /// <summary>Cost in USD of one request: ((prompt - cached) * input + cached * cachedInput
    /// + completion * output) * tier / 1,000,000, at the long-context rate when it applies.</summary>
    public static decimal PriceOf(string model, int prompt, int cached, int completion, string? tier = "default") =>
        PriceOf(Resolve(model), prompt, cached, completion, tier);

    public static decimal PriceOf(FakeModelPrice price, int prompt, int cached, int completion, string? tier = "default")
    {
        ArgumentNullException.ThrowIfNull(price);
        var multiplier = TierMultiplier(price, tier)
            ?? throw new ArgumentException($"The fake has no '{tier}' tier price for model '{price.Model}'.", nameof(tier));
        cached = Math.Clamp(cached, 0, prompt);
        var (input, cachedInput, output) = price.LongContext is { } lc && prompt > lc.AbovePromptTokens
            ? (lc.Input, lc.CachedInput, lc.Output)
            : (price.Input, price.CachedInput, price.Output);
        var perMillion = ((decimal)(prompt - cached) * input) + ((decimal)cached * cachedInput) + ((decimal)completion * output);
        return perMillion * multiplier / 1_000_000m;
    }

    /// <summary>Cost in USD of one request whose completion has <paramref name="audioCompletion"/> audio tokens: those
    /// bill at <paramref name="audio"/>'s output price times the tier (at every prompt size), the rest as
    /// <see cref="PriceOf(FakeModelPrice, int, int, int, string?)"/>.</summary>
    public static decimal PriceOf(FakeModelPrice price, int prompt, int cached, int completion, int audioCompletion, FakeAudioPrice audio, string? tier = "default")
    {
        ArgumentNullException.ThrowIfNull(price);
        var multiplier = TierMultiplier(price, tier)
            ?? throw new ArgumentException($"The fake has no '{tier}' tier price for model '{price.Model}'.", nameof(tier));
        audioCompletion = Math.Clamp(audioCompletion, 0, completion);
        return PriceOf(price, prompt, cached, completion - audioCompletion, tier) + ((decimal)audioCompletion * audio.Output * multiplier / 1_000_000m);
    }

    /// <summary>A cost rounded up to whole micro-dollars.</summary>
    public static long ToMicros(decimal usd) => (long)decimal.Ceiling(usd * 1_000_000m);

    [GeneratedRegex(@"-(\d{4}-\d{2}-\d{2}|\d{4})$", RegexOptions.CultureInvariant)]
    private static partial Regex SnapshotSuffix();
}
