using System.Text.Json;

namespace AgentGuard.FakeOpenAI;

/// <summary>The fake's own image token rule (deliberately not the library's).
/// <para>Tile models (gpt-5 and gpt-5.x, gpt-4.1, gpt-4o, o1, o3, gpt-4-turbo): low detail costs the base;
/// otherwise the image is fit in 2048x2048, then shrunk so its shortest side is 768, and costs
/// base + per-tile x 512-px tiles (85 + 170, gpt-4o-mini 2833 + 5667).</para>
/// <para>Patch models (gpt-4.1-mini, gpt-5-mini, o4-mini x1.62; gpt-4.1-nano, gpt-5-nano x2.46, the lower
/// published multipliers on purpose): 32-px patches, shrunk to at most 1536, tokens = ceil(patches x multiplier);
/// detail is ignored.</para>
/// <para>Inline base64 images (data: URLs) bill their real size, read from the PNG/JPEG/GIF/WebP header;
/// images given by URL or file id bill <see cref="FakeBehavior.UrlImageSize"/>, or in WorstCase mode the
/// family's worst size (<see cref="WorstTileSize"/>, <see cref="WorstPatchSize"/>).</para></summary>
public static class FakeImageTokens
{
    /// <summary>The most patches a patch model bills for one image.</summary>
    public const int MaxPatches = 1536;

    /// <summary>The most tiles a tile model bills: 768x2048 is 2 x 4 tiles (1,445 tokens on gpt-4o).</summary>
    public static FakeImageSize WorstTileSize { get; } = new(768, 2048);

    /// <summary>Exactly <see cref="MaxPatches"/> patches.</summary>
    public static FakeImageSize WorstPatchSize { get; } = new(1024, 1536);

    private enum Kind
    {
        Tile,
        Patch,
    }

    private sealed record Rule(Kind Kind, int Base = 0, int PerTile = 0, decimal Multiplier = 0m);

    /// <summary>Tokens of one image of this size on a model (or a dated snapshot of it); null when the
    /// model takes no images. Detail "low" bills the base on tile models; anything else is high.</summary>
    public static int? TokensFor(string model, int width, int height, string? detail = "auto")
    {
        ArgumentNullException.ThrowIfNull(model);
        return FakePrices.TryResolve(model, out var price) && RuleOf(price.Model) is { } rule
            ? Tokens(rule, width, height, detail)
            : null;
    }

    /// <summary>The size the fake bills for an image given by URL or file id on this model.</summary>
    public static FakeImageSize UrlImageSize(string model, FakeBehavior behavior)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(behavior);
        if (behavior.OutputMode != FakeOutputMode.WorstCase)
        {
            return behavior.UrlImageSize;
        }

        return FakePrices.TryResolve(model, out var price) && RuleOf(price.Model) is { Kind: Kind.Patch } ? WorstPatchSize : WorstTileSize;
    }

    /// <summary>Width and height from a PNG, JPEG, GIF or WebP header.</summary>
    public static bool TryReadSize(ReadOnlySpan<byte> image, out FakeImageSize size) => ImageHeaders.TryReadSize(image, out size);

    /// <summary>Image tokens of a chat request: every <c>image_url</c> content part of every message.</summary>
    internal static int CountChat(JsonElement root, FakeModelPrice price, FakeBehavior behavior, out OpenAIError? error)
    {
        error = null;
        var total = 0;
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            return 0;
        }

        foreach (var message in messages.EnumerateArray())
        {
            foreach (var part in Parts(message))
            {
                if (!IsType(part, "image_url") || !part.TryGetProperty("image_url", out var image))
                {
                    continue;
                }

                var (url, detail) = image.ValueKind == JsonValueKind.String
                    ? (image.GetString(), null)
                    : (String(image, "url"), String(image, "detail"));
                total += CountOne(url, detail, price, behavior, "messages", ref error);
                if (error is not null)
                {
                    return 0;
                }
            }
        }

        return total;
    }

    /// <summary>Image tokens of a Responses request: every <c>input_image</c> part of every input item.</summary>
    internal static int CountResponses(JsonElement root, FakeModelPrice price, FakeBehavior behavior, out OpenAIError? error)
    {
        error = null;
        var total = 0;
        if (!root.TryGetProperty("input", out var input) || input.ValueKind != JsonValueKind.Array)
        {
            return 0;
        }

        foreach (var item in input.EnumerateArray())
        {
            foreach (var part in Parts(item))
            {
                if (!IsType(part, "input_image"))
                {
                    continue;
                }

                // A file id is an image of unknown size, like a URL.
                var url = String(part, "image_url") ?? (String(part, "file_id") is { } id ? "file:" + id : null);
                total += CountOne(url, String(part, "detail"), price, behavior, "input", ref error);
                if (error is not null)
                {
                    return 0;
                }
            }
        }

        return total;
    }

    private static int CountOne(string? url, string? detail, FakeModelPrice price, FakeBehavior behavior, string param, ref OpenAIError? error)
    {
        if (RuleOf(price.Model) is not { } rule)
        {
            error = OpenAIError.Invalid($"Invalid content type: images are not supported by model '{price.Model}' (fake).", param, "invalid_value");
            return 0;
        }

        if (string.IsNullOrEmpty(url))
        {
            error = OpenAIError.Invalid("An image part needs an image URL or a file id.", param, "invalid_value");
            return 0;
        }

        FakeImageSize size;
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            if (!TryDecodeDataUrl(url, out var bytes) || !ImageHeaders.TryReadSize(bytes, out size))
            {
                error = OpenAIError.Invalid("Invalid image: the data URL is not a base64 PNG, JPEG, GIF or WebP image (fake).", param, "invalid_image_format");
                return 0;
            }
        }
        else
        {
            size = UrlImageSize(price.Model, behavior);
        }

        return Tokens(rule, size.Width, size.Height, detail);
    }

    private static bool TryDecodeDataUrl(string url, out byte[] bytes)
    {
        bytes = [];
        var comma = url.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0 || !url.AsSpan(0, comma).EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        try
        {
            bytes = Convert.FromBase64String(url[(comma + 1)..]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static Rule? RuleOf(string family) => family switch
    {
        "gpt-4o-mini" => new Rule(Kind.Tile, 2833, 5667),
        "gpt-4.1-mini" or "gpt-5-mini" or "o4-mini" => new Rule(Kind.Patch, Multiplier: 1.62m),
        "gpt-4.1-nano" or "gpt-5-nano" => new Rule(Kind.Patch, Multiplier: 2.46m),
        "gpt-4.1" or "gpt-4-turbo" => new Rule(Kind.Tile, 85, 170),
        _ when family.StartsWith("gpt-5", StringComparison.Ordinal) || family.StartsWith("gpt-4o", StringComparison.Ordinal)
            || family.StartsWith("o1", StringComparison.Ordinal) || family.StartsWith("o3", StringComparison.Ordinal) => new Rule(Kind.Tile, 85, 170),
        _ => null,
    };

    private static int Tokens(Rule rule, int width, int height, string? detail)
    {
        if (width <= 0 || height <= 0)
        {
            return 0;
        }

        return rule.Kind == Kind.Tile
            ? (detail == "low" ? rule.Base : rule.Base + (rule.PerTile * Tiles(width, height)))
            : (int)decimal.Ceiling(Patches(width, height) * rule.Multiplier);
    }

    private static int Tiles(double width, double height)
    {
        if (Math.Max(width, height) > 2048)
        {
            var scale = 2048 / Math.Max(width, height);
            (width, height) = (width * scale, height * scale);
        }

        if (Math.Min(width, height) > 768)
        {
            var scale = 768 / Math.Min(width, height);
            (width, height) = (width * scale, height * scale);
        }

        return CeilDiv(width, 512) * CeilDiv(height, 512);
    }

    private static int Patches(double width, double height)
    {
        var patches = (long)CeilDiv(width, 32) * CeilDiv(height, 32);
        if (patches <= MaxPatches)
        {
            return (int)patches;
        }

        // Shrink to fit the patch budget, then so that the limiting side is a whole number of patches.
        var shrink = Math.Sqrt(32.0 * 32.0 * MaxPatches / (width * height));
        var w = width * shrink / 32;
        var h = height * shrink / 32;
        shrink *= Math.Min(Math.Floor(w) / w, Math.Floor(h) / h);
        return (int)Math.Min(MaxPatches, (long)CeilDiv(width * shrink, 32) * CeilDiv(height * shrink, 32));
    }

    /// <summary>ceil(value / size), forgiving the rounding error of scaled sizes.</summary>
    private static int CeilDiv(double value, int size) => (int)Math.Ceiling((value / size) - 1e-9);

    private static IEnumerable<JsonElement> Parts(JsonElement message) =>
        message.ValueKind == JsonValueKind.Object && message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array
            ? content.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.Object)
            : [];

    private static bool IsType(JsonElement part, string type) =>
        part.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.ValueEquals(type);

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
