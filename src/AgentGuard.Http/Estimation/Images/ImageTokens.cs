namespace AgentGuard.Http.Estimation;

/// <summary>The <c>detail</c> of an image input. <see cref="Auto"/> lets the model choose, so it is bounded as <see cref="High"/>.</summary>
internal enum ImageDetail
{
    Auto = 0,
    Low = 1,
    High = 2,
}

/// <summary>
/// Upper bounds of the input tokens one image costs, after the rules of OpenAI's vision guide.
/// Sizes are scaled in exact rational arithmetic and every partial tile or patch is counted as a whole one,
/// so however OpenAI rounds the scaled pixels, the count here is never below it.
/// </summary>
internal static class ImageTokens
{
    // Tiles: fit within FitSide x FitSide, then shrink until the shortest side is ShortSide, count TileSide squares.
    private const int FitSide = 2048;
    private const int ShortSide = 768;
    private const int TileSide = 512;

    /// <summary>The most tiles an image can have: the largest scaled image is ShortSide x FitSide (2 x 4 tiles).</summary>
    public const int MaxTiles = ((ShortSide + TileSide - 1) / TileSide) * ((FitSide + TileSide - 1) / TileSide);

    private const int PatchSide = 32;

    /// <summary>
    /// The most input tokens an image of the given size costs under <paramref name="rule"/>. A size that is not
    /// known (an image given by URL or file id, or a header that could not be read) gives the rule's worst case.
    /// </summary>
    public static long Bound(ImageTokenRule rule, int? width, int? height, ImageDetail detail)
    {
        // A zero or negative size is no size: it gets the worst case too.
        (long W, long H)? size = width is > 0 && height is > 0 ? (width.Value, height.Value) : null;
        switch (rule.Kind)
        {
            case ImageTokenKind.Tiles:
                if (detail == ImageDetail.Low)
                {
                    return rule.BaseTokens;
                }

                long tiles = size is { } s ? Tiles(s.W, s.H) : MaxTiles;
                return rule.BaseTokens + (rule.TokensPerTile * tiles);

            case ImageTokenKind.Patches:
                // Detail does not change what patch models bill.
                long patches = size is { } p ? Math.Min(Patches(p.W, p.H, rule.MaxPatches), rule.MaxPatches) : rule.MaxPatches;
                return (long)decimal.Ceiling(patches * rule.PatchMultiplier);

            default:
                // ModelPriceRules refuses any other kind before a rule gets here.
                throw new InvalidOperationException($"Unknown image token kind {rule.Kind}.");
        }
    }

    /// <summary>The 512-pixel tiles of an image at high detail.</summary>
    private static long Tiles(long width, long height)
    {
        // Both scalings only shrink, and the second applies to the result of the first, so together they scale by
        // min(1, FitSide / longest, ShortSide / shortest): kept as the fraction num / den to stay exact.
        long longest = Math.Max(width, height), shortest = Math.Min(width, height);
        (long num, long den) = (1, 1);
        if (FitSide * den < num * longest)
        {
            (num, den) = (FitSide, longest);
        }

        if (ShortSide * den < num * shortest)
        {
            (num, den) = (ShortSide, shortest);
        }

        return CeilDiv(width * num, den * TileSide) * CeilDiv(height * num, den * TileSide);
    }

    /// <summary>
    /// The 32-pixel patches of an image, before the cap. Above <paramref name="maxPatches"/>, OpenAI shrinks the
    /// image by r = sqrt(32² x max / (w x h)), then by min(floor(w r / 32) / (w r / 32), floor(h r / 32) / (h r / 32))
    /// so that whole patches fit the budget, and counts the patches that cover the result.
    /// </summary>
    private static long Patches(long width, long height, int maxPatches)
    {
        long raw = CeilDiv(width, PatchSide) * CeilDiv(height, PatchSide);
        if (raw <= maxPatches)
        {
            return raw;
        }

        // w r / 32 = sqrt(max x w / h): the whole patches across, and likewise down.
        long across = FloorSqrtOfRatio(maxPatches * width, height);
        long down = FloorSqrtOfRatio(maxPatches * height, width);
        if (across == 0 || down == 0)
        {
            // So thin that the published rule leaves no whole patch: what OpenAI bills is unknown, but never above the cap.
            return maxPatches;
        }

        // The side that loses more to its floor sets the second shrink (across / (w r / 32) < down / (h r / 32),
        // squared and multiplied out); it then spans exactly its whole patches and the other side keeps the aspect.
        return (Int128)across * height <= (Int128)down * width
            ? across * CeilDiv(across * height, width)
            : down * CeilDiv(down * width, height);
    }

    /// <summary>floor(sqrt(numerator / denominator)), exactly: the largest k with k² x denominator &lt;= numerator.</summary>
    private static long FloorSqrtOfRatio(long numerator, long denominator)
    {
        long k = (long)Math.Sqrt((double)numerator / denominator);
        while (k > 0 && (Int128)k * k * denominator > numerator)
        {
            k--;
        }

        while ((Int128)(k + 1) * (k + 1) * denominator <= numerator)
        {
            k++;
        }

        return k;
    }

    private static long CeilDiv(long value, long divisor) => (value + divisor - 1) / divisor;
}
