namespace AgentGuard.Http;

/// <summary>How a model turns an input image into input tokens.</summary>
public enum ImageTokenKind
{
    /// <summary>
    /// 512-pixel tiles (gpt-4o class): <see cref="ImageTokenRule.BaseTokens"/> plus
    /// <see cref="ImageTokenRule.TokensPerTile"/> for each tile of the image scaled to fit 2048 x 2048 and then to a
    /// shortest side of 768 pixels; low detail costs the base tokens only.
    /// </summary>
    Tiles = 0,

    /// <summary>
    /// 32-pixel patches (gpt-4.1-mini, gpt-5-mini, o4-mini class): one token per patch, at most
    /// <see cref="ImageTokenRule.MaxPatches"/> (larger images are scaled down to fit), times
    /// <see cref="ImageTokenRule.PatchMultiplier"/>; the detail level does not change the cost.
    /// </summary>
    Patches = 1,
}

/// <summary>
/// The rule that prices a model's image inputs in input tokens (<see cref="ModelPrice.ImageTokens"/>).
/// Only the fields of its <see cref="Kind"/> are used. The guard reserves the rule's bound for each image: the
/// exact cost when the image's size can be read from a data URL, the worst case of the rule otherwise.
/// </summary>
public sealed class ImageTokenRule
{
    /// <summary>The patch budget OpenAI publishes for every patch model.</summary>
    public const int DefaultMaxPatches = 1536;

    /// <summary>Whether images are counted in tiles or in patches.</summary>
    public ImageTokenKind Kind { get; set; }

    /// <summary>Tiles: the tokens every image costs, and all that a low-detail image costs (85 for gpt-4o).</summary>
    public int BaseTokens { get; set; }

    /// <summary>Tiles: the tokens of each 512-pixel tile of a high-detail image (170 for gpt-4o).</summary>
    public int TokensPerTile { get; set; }

    /// <summary>Patches: the tokens billed per patch (1.62 for gpt-4.1-mini, 2.46 for gpt-4.1-nano).</summary>
    public decimal PatchMultiplier { get; set; }

    /// <summary>Patches: the most patches one image is counted as; larger images are scaled down to fit.</summary>
    public int MaxPatches { get; set; } = DefaultMaxPatches;

    /// <summary>A tile rule.</summary>
    /// <param name="baseTokens">The tokens every image costs.</param>
    /// <param name="tokensPerTile">The tokens of each 512-pixel tile at high detail.</param>
    public static ImageTokenRule Tiles(int baseTokens, int tokensPerTile) =>
        new() { Kind = ImageTokenKind.Tiles, BaseTokens = baseTokens, TokensPerTile = tokensPerTile };

    /// <summary>A patch rule.</summary>
    /// <param name="patchMultiplier">The tokens billed per patch.</param>
    /// <param name="maxPatches">The most patches one image is counted as.</param>
    public static ImageTokenRule Patches(decimal patchMultiplier, int maxPatches = DefaultMaxPatches) =>
        new() { Kind = ImageTokenKind.Patches, PatchMultiplier = patchMultiplier, MaxPatches = maxPatches };
}
