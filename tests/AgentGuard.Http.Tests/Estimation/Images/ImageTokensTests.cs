using AgentGuard.Http.Estimation;

namespace AgentGuard.Http.Tests.Estimation.Images;

public sealed class ImageTokensTests
{
    private static readonly ImageTokenRule s_gpt4o = ImageTokenRule.Tiles(85, 170);
    private static readonly ImageTokenRule s_gpt4oMini = ImageTokenRule.Tiles(2833, 5667);
    private static readonly ImageTokenRule s_onePerPatch = ImageTokenRule.Patches(1m);

    [Theory]
    // OpenAI's published examples.
    [InlineData(1024, 1024, 765)]
    [InlineData(2048, 4096, 1105)]
    // 1024 x 768 after both scalings: 2 x 2 tiles.
    [InlineData(4000, 3000, 765)]
    // 41 x 2048 after fitting 2048: 1 x 4 tiles.
    [InlineData(100, 5000, 765)]
    // Small images are never scaled up.
    [InlineData(1, 1, 255)]
    [InlineData(512, 512, 255)]
    [InlineData(513, 512, 425)]
    // 768 x 2048 is the largest scaled image: 2 x 4 tiles.
    [InlineData(768, 2048, 1445)]
    [InlineData(3072, 8192, 1445)]
    [InlineData(2048, 1024, 1105)]
    [InlineData(2049, 1024, 1445)]
    [InlineData(int.MaxValue, int.MaxValue, 765)]
    [InlineData(int.MaxValue, 1, 765)]
    public void Bound_TilesHighDetail_CountsScaledTiles(int width, int height, long tokens)
    {
        Assert.Equal(tokens, ImageTokens.Bound(s_gpt4o, width, height, ImageDetail.High));
        Assert.Equal(tokens, ImageTokens.Bound(s_gpt4o, height, width, ImageDetail.High));
    }

    [Theory]
    [InlineData(1024, 1024)]
    [InlineData(2048, 4096)]
    [InlineData(4096, 8192)]
    [InlineData(1, 1)]
    public void Bound_TilesAutoDetail_IsHighDetail(int width, int height)
    {
        Assert.Equal(ImageTokens.Bound(s_gpt4o, width, height, ImageDetail.High), ImageTokens.Bound(s_gpt4o, width, height, ImageDetail.Auto));
    }

    [Theory]
    [InlineData(1024, 1024)]
    [InlineData(4096, 8192)]
    [InlineData(null, null)]
    public void Bound_TilesLowDetail_IsTheBaseTokens(int? width, int? height)
    {
        Assert.Equal(85, ImageTokens.Bound(s_gpt4o, width, height, ImageDetail.Low));
        Assert.Equal(2833, ImageTokens.Bound(s_gpt4oMini, width, height, ImageDetail.Low));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(1024, null)]
    [InlineData(null, 1024)]
    [InlineData(0, 1024)]
    [InlineData(1024, -1)]
    public void Bound_TilesUnknownSize_IsTheWorstCase(int? width, int? height)
    {
        Assert.Equal(1445, ImageTokens.Bound(s_gpt4o, width, height, ImageDetail.High));
        Assert.Equal(1445, ImageTokens.Bound(s_gpt4o, width, height, ImageDetail.Auto));
        Assert.Equal(48169, ImageTokens.Bound(s_gpt4oMini, width, height, ImageDetail.Auto));
    }

    [Fact]
    public void Bound_Gpt4oMini_CountsTilesAtItsOwnRates()
    {
        Assert.Equal(2833 + (4 * 5667), ImageTokens.Bound(s_gpt4oMini, 1024, 1024, ImageDetail.High));
    }

    [Fact]
    public void Bound_Tiles_IsNeverBelowTheCookbookCalculation()
    {
        // The OpenAI cookbook scales in floating point and truncates to whole pixels after each step.
        for (int width = 1; width <= 6000; width += 37)
        {
            for (int height = 1; height <= 6000; height += 41)
            {
                long bound = ImageTokens.Bound(s_gpt4o, width, height, ImageDetail.High);
                Assert.True(bound >= CookbookTiles(width, height), $"{width} x {height}");
                Assert.True(bound <= 1445, $"{width} x {height}");
            }
        }
    }

    [Theory]
    // OpenAI's published examples: 32 x 32 patches, and 1800 x 2400 shrunk to 1056 x 1408 (33 x 44 patches).
    [InlineData(1024, 1024, 1024)]
    [InlineData(1800, 2400, 1452)]
    [InlineData(1, 1, 1)]
    [InlineData(33, 32, 2)]
    [InlineData(1024, 1536, 1536)]
    [InlineData(1024, 1537, 31 * 47)]
    [InlineData(4000, 3000, 1452)]
    [InlineData(100, 5000, 4 * 157)]
    [InlineData(int.MaxValue, int.MaxValue, 39 * 39)]
    public void Bound_PatchesOfOneToken_CountsPatches(int width, int height, long patches)
    {
        Assert.Equal(patches, ImageTokens.Bound(s_onePerPatch, width, height, ImageDetail.High));
        Assert.Equal(patches, ImageTokens.Bound(s_onePerPatch, height, width, ImageDetail.High));
    }

    [Theory]
    [InlineData(1.62, 1659)]
    [InlineData(2.46, 2520)]
    [InlineData(1.72, 1762)]
    public void Bound_PatchMultiplier_RoundsUp(decimal multiplier, long tokens)
    {
        // 1024 patches times the multiplier.
        Assert.Equal(tokens, ImageTokens.Bound(ImageTokenRule.Patches(multiplier), 1024, 1024, ImageDetail.Auto));
    }

    [Theory]
    [InlineData(1.62, 2489)]
    [InlineData(2.46, 3779)]
    [InlineData(1.72, 2642)]
    [InlineData(1, 1536)]
    public void Bound_PatchesUnknownSize_IsTheCapTimesTheMultiplier(decimal multiplier, long tokens)
    {
        var rule = ImageTokenRule.Patches(multiplier);

        Assert.Equal(tokens, ImageTokens.Bound(rule, null, null, ImageDetail.Auto));
        Assert.Equal(tokens, ImageTokens.Bound(rule, 0, 0, ImageDetail.High));
    }

    [Fact]
    public void Bound_Patches_DetailDoesNotChangeTheCount()
    {
        foreach (var detail in Enum.GetValues<ImageDetail>())
        {
            Assert.Equal(1024, ImageTokens.Bound(s_onePerPatch, 1024, 1024, detail));
            Assert.Equal(1536, ImageTokens.Bound(s_onePerPatch, null, null, detail));
        }
    }

    [Theory]
    [InlineData(1, 100_000)]
    [InlineData(1, int.MaxValue)]
    public void Bound_PatchesTooThinForAWholePatch_AreTheCap(int width, int height)
    {
        Assert.Equal(1536, ImageTokens.Bound(s_onePerPatch, width, height, ImageDetail.High));
        Assert.Equal(1536, ImageTokens.Bound(s_onePerPatch, height, width, ImageDetail.High));
    }

    [Fact]
    public void Bound_PatchesWithAnotherCap_UsesIt()
    {
        var rule = ImageTokenRule.Patches(1m, maxPatches: 2048);

        Assert.Equal(2048, ImageTokens.Bound(rule, null, null, ImageDetail.High));
        Assert.Equal(1600, ImageTokens.Bound(rule, 1280, 1280, ImageDetail.High));
    }

    [Fact]
    public void Bound_Patches_IsNeverBelowThePublishedCalculationNorAboveTheCap()
    {
        for (int width = 1; width <= 8000; width += 53)
        {
            for (int height = 1; height <= 8000; height += 59)
            {
                long bound = ImageTokens.Bound(s_onePerPatch, width, height, ImageDetail.High);
                Assert.True(bound >= PublishedPatches(width, height, Math.Floor), $"{width} x {height}");
                Assert.True(bound >= PublishedPatches(width, height, Math.Round), $"{width} x {height}");
                Assert.True(bound <= 1536, $"{width} x {height}");
            }
        }
    }

    /// <summary>The cookbook's tile count, in doubles with whole pixels after each scaling.</summary>
    private static long CookbookTiles(int width, int height)
    {
        double w = width, h = height;
        if (Math.Max(w, h) > 2048)
        {
            double ratio = 2048.0 / Math.Max(w, h);
            (w, h) = (Math.Floor(w * ratio), Math.Floor(h * ratio));
        }

        if (Math.Min(w, h) > 768)
        {
            double ratio = 768.0 / Math.Min(w, h);
            (w, h) = (Math.Floor(w * ratio), Math.Floor(h * ratio));
        }

        return 85 + (170 * (long)(Math.Ceiling(w / 512) * Math.Ceiling(h / 512)));
    }

    /// <summary>The vision guide's patch count, in doubles, with the scaled size made whole pixels by <paramref name="toPixels"/>.</summary>
    private static long PublishedPatches(int width, int height, Func<double, double> toPixels)
    {
        long raw = (long)(Math.Ceiling(width / 32.0) * Math.Ceiling(height / 32.0));
        if (raw <= 1536)
        {
            return raw;
        }

        double r = Math.Sqrt(32.0 * 32.0 * 1536 / ((double)width * height));
        r *= Math.Min(Math.Floor(width * r / 32) / (width * r / 32), Math.Floor(height * r / 32) / (height * r / 32));
        double w = toPixels(width * r), h = toPixels(height * r);
        return Math.Min(1536, (long)(Math.Ceiling(w / 32) * Math.Ceiling(h / 32)));
    }
}
