using System.Text;
using System.Text.Json;
using AgentGuard.Http.Estimation;
using AgentGuard.Http.Tests.TestSupport;

namespace AgentGuard.Http.Tests.Estimation.Images;

public sealed class ImageHeaderTests
{
    public static TheoryData<string, int, int> FormatsAndSizes
    {
        get
        {
            var data = new TheoryData<string, int, int>();
            foreach (string format in new[] { "png", "jpeg", "jpeg-progressive", "webp-vp8", "webp-vp8l", "webp-vp8x" })
            {
                foreach (var (w, h) in new[] { (1, 1), (512, 512), (1024, 2048), (4000, 3000), (100, 5000) })
                {
                    data.Add(format, w, h);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(FormatsAndSizes))]
    public void TryReadSize_EveryFormat_ReadsWidthAndHeight(string format, int width, int height)
    {
        byte[] file = TestImages.Make(format, width, height);

        Assert.True(ImageHeader.TryReadSize(file, out int w, out int h));
        Assert.Equal((width, height), (w, h));
    }

    [Theory]
    [MemberData(nameof(FormatsAndSizes))]
    public void TryReadDataUrlSize_EveryFormat_ReadsWidthAndHeight(string format, int width, int height)
    {
        byte[] url = Encoding.ASCII.GetBytes(TestImages.DataUrl(format, TestImages.Make(format, width, height)));

        Assert.True(ImageHeader.TryReadDataUrlSize(url, out int w, out int h));
        Assert.Equal((width, height), (w, h));
    }

    [Fact]
    public void TryReadSize_PngAtTheLargestSize_ReadsIt()
    {
        Assert.True(ImageHeader.TryReadSize(TestImages.Png(int.MaxValue, 7), out int w, out int h));
        Assert.Equal((int.MaxValue, 7), (w, h));
    }

    [Fact]
    public void TryReadSize_WebPAtTheLargestSizes_ReadsThem()
    {
        Assert.True(ImageHeader.TryReadSize(TestImages.WebPVp8X(16_777_216, 16_777_216), out int w, out int h));
        Assert.Equal((16_777_216, 16_777_216), (w, h));
        Assert.True(ImageHeader.TryReadSize(TestImages.WebPVp8L(16_384, 16_384), out w, out h));
        Assert.Equal((16_384, 16_384), (w, h));
        Assert.True(ImageHeader.TryReadSize(TestImages.WebPVp8(16_383, 16_383), out w, out h));
        Assert.Equal((16_383, 16_383), (w, h));
    }

    [Fact]
    public void TryReadSize_WebPVp8ScaleBits_AreNotPartOfTheSize()
    {
        byte[] file = TestImages.WebPVp8(640, 480);
        file[27] |= 0xC0;
        file[29] |= 0x40;

        Assert.True(ImageHeader.TryReadSize(file, out int w, out int h));
        Assert.Equal((640, 480), (w, h));
    }

    [Theory]
    [InlineData(0xC1)]
    [InlineData(0xC2)]
    [InlineData(0xC3)]
    [InlineData(0xC5)]
    [InlineData(0xC7)]
    [InlineData(0xC9)]
    [InlineData(0xCB)]
    [InlineData(0xCD)]
    [InlineData(0xCF)]
    public void TryReadSize_JpegEveryStartOfFrame_ReadsIt(int marker)
    {
        byte[] file = TestImages.Jpeg(300, 200, sof: (byte)marker);

        Assert.True(ImageHeader.TryReadSize(file, out int w, out int h));
        Assert.Equal((300, 200), (w, h));
    }

    [Fact]
    public void TryReadSize_JpegTablesThatShareTheFrameRange_AreSkipped()
    {
        // DHT (C4), JPG (C8) and DAC (CC) sit among the SOF markers; their bytes would read as a wrong size.
        byte[] decoy = [8, 0x00, 0x10, 0x00, 0x10, 1, 1, 0x11, 0];
        byte[] file = TestImages.Jpeg(640, 480, before: [(0xC4, decoy), (0xC8, decoy), (0xCC, decoy)]);

        Assert.True(ImageHeader.TryReadSize(file, out int w, out int h));
        Assert.Equal((640, 480), (w, h));
    }

    [Fact]
    public void TryReadSize_JpegWithFillBytesRestartMarkersAndEmptySegments_ReadsIt()
    {
        var file = new List<byte> { 0xFF, 0xD8, 0xFF, 0xFF, 0xFF, 0xE0, 0x00, 0x02, 0xFF, 0xD0, 0xFF, 0x01 };
        file.AddRange(TestImages.Jpeg(33, 44).AsSpan(2).ToArray());

        Assert.True(ImageHeader.TryReadSize(file.ToArray(), out int w, out int h));
        Assert.Equal((33, 44), (w, h));
    }

    [Fact]
    public void TryReadSize_JpegFrameAfterLargeSegments_ReadsIt()
    {
        byte[] file = TestImages.Jpeg(1920, 1080, before: TestImages.LargeSegments(4));

        Assert.True(file.Length > 4 * 65_000);
        Assert.True(ImageHeader.TryReadSize(file, out int w, out int h));
        Assert.Equal((1920, 1080), (w, h));
    }

    [Fact]
    public void TryReadDataUrlSize_JpegFrameAfterLargeSegments_DecodesBlockAfterBlock()
    {
        byte[] file = TestImages.Jpeg(1920, 1080, before: TestImages.LargeSegments(4));
        byte[] url = Encoding.ASCII.GetBytes("data:image/jpeg;base64," + Convert.ToBase64String(file));

        Assert.True(ImageHeader.TryReadDataUrlSize(url, out int w, out int h));
        Assert.Equal((1920, 1080), (w, h));
    }

    [Fact]
    public void TryReadDataUrlSize_JsonEscapedSlashesAndPlus_AreUndone()
    {
        // The APP1 payload encodes to runs of '/' and '+', which JSON writers may escape as \/ and \u002B.
        byte[] file = TestImages.Jpeg(800, 600, before: [(0xE1, TestImages.Repeat([0xFF, 0xFF, 0xFF, 0xFB, 0xEF, 0xBE], 4000))]);
        string url = "data:image/jpeg;base64," + Convert.ToBase64String(file);
        string json = JsonSerializer.Serialize(url);
        string escaped = json[1..^1].Replace("/", "\\/", StringComparison.Ordinal);

        Assert.Contains("image\\/jpeg", escaped, StringComparison.Ordinal);
        Assert.Contains("\\/\\/\\/\\/", escaped, StringComparison.Ordinal);
        Assert.Contains("\\u002B", escaped, StringComparison.Ordinal);
        Assert.True(ImageHeader.TryReadDataUrlSize(Encoding.ASCII.GetBytes(escaped), out int w, out int h));
        Assert.Equal((800, 600), (w, h));
    }

    [Fact]
    public void TryReadDataUrlSize_JsonValueFromUtf8JsonWriter_Reads()
    {
        byte[] file = TestImages.Jpeg(1024, 768, before: [(0xE1, TestImages.Repeat([0xFB, 0xEF, 0xBE], 3000))]);
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(new { url = "data:image/jpeg;base64," + Convert.ToBase64String(file) });
        var reader = new Utf8JsonReader(json);
        while (reader.TokenType != JsonTokenType.String)
        {
            reader.Read();
        }

        Assert.True(reader.ValueIsEscaped);
        Assert.True(ImageHeader.TryReadDataUrlSize(reader.ValueSpan, out int w, out int h));
        Assert.Equal((1024, 768), (w, h));
    }

    [Fact]
    public void TryReadDataUrlSize_WhitespaceInTheBase64_IsSkipped()
    {
        string base64 = Convert.ToBase64String(TestImages.Jpeg(640, 480, before: TestImages.LargeSegments(1)), Base64FormattingOptions.InsertLineBreaks);
        string raw = "data:image/jpeg;base64," + base64.Replace("\r\n", "\\r\\n", StringComparison.Ordinal);

        Assert.Contains("\\r\\n", raw, StringComparison.Ordinal);
        Assert.True(ImageHeader.TryReadDataUrlSize(Encoding.ASCII.GetBytes(raw), out int w, out int h));
        Assert.Equal((640, 480), (w, h));
    }

    [Theory]
    [InlineData("DATA:IMAGE/PNG;BASE64,")]
    [InlineData("data:image/png;charset=binary;base64,")]
    [InlineData("data:;base64,")]
    [InlineData("data:image/jpeg;base64,")]
    public void TryReadDataUrlSize_HeaderVariants_AreRead(string header)
    {
        byte[] url = Encoding.ASCII.GetBytes(header + Convert.ToBase64String(TestImages.Png(320, 240)));

        Assert.True(ImageHeader.TryReadDataUrlSize(url, out int w, out int h));
        Assert.Equal((320, 240), (w, h));
    }

    [Fact]
    public void TryReadDataUrlSize_Base64WithoutPadding_ReadsTheHeader()
    {
        byte[] file = TestImages.Png(70, 90);
        string base64 = Convert.ToBase64String(file).TrimEnd('=');

        Assert.True(ImageHeader.TryReadDataUrlSize(Encoding.ASCII.GetBytes("data:image/png;base64," + base64), out int w, out int h));
        Assert.Equal((70, 90), (w, h));
    }

    [Fact]
    public void Jpeg_WithTwoFrameHeaders_HasNoSizeTheHeaderCanProve()
    {
        // Decoders differ on which frame header wins (some keep the last): a 1x1 header before a 4000x3000 one proves nothing.
        byte[] sof = [8, 0, 1, 0, 1, 3, 1, 0x22, 0, 2, 0x11, 0, 3, 0x11, 0];
        byte[] file = TestImages.Jpeg(4000, 3000, before: [(0xC0, sof)]);

        Assert.False(ImageHeader.TryReadSize(file, out _, out _));
        Assert.False(ImageHeader.TryReadDataUrlSize(Encoding.ASCII.GetBytes(TestImages.DataUrl("jpeg", file)), out _, out _));
    }

    [Fact]
    public void Jpeg_WithoutImageData_HasNoSize()
    {
        // The size counts only once the scan is reached: a file cut after its frame header might hold another.
        byte[] file = TestImages.Jpeg(640, 480);
        int scan = file.AsSpan().IndexOf([(byte)0xFF, (byte)0xDA]);

        Assert.False(ImageHeader.TryReadSize(file.AsSpan(0, scan), out _, out _));
        Assert.True(ImageHeader.TryReadSize(file, out int w, out int h));
        Assert.Equal((640, 480), (w, h));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(640, 480)]
    public void Gif_HasNoSizeTheHeaderCanProve_SoItGetsTheWorstCase(int width, int height)
    {
        // A GIF frame may reach beyond the logical screen, and decoders grow the image to cover it.
        Assert.False(ImageHeader.TryReadSize(TestImages.Gif(width, height), out _, out _));
        Assert.False(ImageHeader.TryReadDataUrlSize(Encoding.ASCII.GetBytes(TestImages.DataUrl("gif", TestImages.Gif(width, height))), out _, out _));
    }

    public static TheoryData<string, byte[]> UnreadableFiles => new()
    {
        { "empty", [] },
        { "one byte", [0xFF] },
        { "text", Encoding.ASCII.GetBytes("hello, this is not an image at all") },
        { "bmp", Encoding.ASCII.GetBytes("BM\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0") },
        { "png truncated in IHDR", TestImages.Png(640, 480)[..20] },
        { "png signature only", TestImages.Png(640, 480)[..8] },
        { "png other first chunk", TestImages.Mutate(TestImages.Png(640, 480), 12, (byte)'i') },
        { "png zero width", TestImages.Png(0, 480) },
        { "png zero height", TestImages.Png(640, 0) },
        { "png width over 2^31 - 1", TestImages.Mutate(TestImages.Png(640, 480), 16, 0x80) },
        { "gif truncated", TestImages.Gif(640, 480)[..8] },
        { "gif zero size", TestImages.Gif(0, 0) },
        { "gif unknown version", TestImages.Mutate(TestImages.Gif(640, 480), 4, (byte)'8') },
        { "jpeg soi only", [0xFF, 0xD8] },
        { "jpeg truncated in app0", TestImages.Jpeg(640, 480)[..10] },
        { "jpeg truncated in sof", TestImages.Jpeg(640, 480)[..25] },
        { "jpeg frame far beyond the bytes given", TestImages.Jpeg(640, 480, before: TestImages.LargeSegments(1))[..1000] },
        { "jpeg scan before frame", [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 0x3F, 0, 0xFF, 0xC0, 0x00, 0x0B, 8, 0, 10, 0, 10, 1, 1, 0x11, 0] },
        { "jpeg end before frame", [0xFF, 0xD8, 0xFF, 0xD9] },
        { "jpeg second start", [0xFF, 0xD8, 0xFF, 0xD8] },
        { "jpeg stuffed zero as marker", [0xFF, 0xD8, 0xFF, 0x00] },
        { "jpeg garbage between segments", [0xFF, 0xD8, 0x12, 0xFF, 0xC0, 0x00, 0x0B, 8, 0, 10, 0, 10, 1, 1, 0x11, 0] },
        { "jpeg segment length one", [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01, 0xFF, 0xC0, 0x00, 0x0B, 8, 0, 10, 0, 10, 1, 1, 0x11, 0] },
        { "jpeg frame too short", [0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x05, 8, 0, 10, 0xFF, 0xD9] },
        { "jpeg height left to DNL", TestImages.Jpeg(640, 0) },
        { "jpeg zero width", TestImages.Jpeg(0, 480) },
        { "riff not webp", TestImages.Mutate(TestImages.WebPVp8(640, 480), 8, (byte)'A') },
        { "webp unknown chunk", TestImages.Mutate(TestImages.WebPVp8(640, 480), 15, (byte)'Z') },
        { "webp vp8 truncated", TestImages.WebPVp8(640, 480)[..28] },
        { "webp vp8 not a key frame", TestImages.Mutate(TestImages.WebPVp8(640, 480), 20, 0x01) },
        { "webp vp8 no start code", TestImages.Mutate(TestImages.WebPVp8(640, 480), 23, 0x00) },
        { "webp vp8 zero size", TestImages.WebPVp8(0, 0) },
        { "webp vp8l bad signature", TestImages.Mutate(TestImages.WebPVp8L(640, 480), 20, 0x2E) },
        { "webp vp8l unknown version", TestImages.Mutate(TestImages.WebPVp8L(640, 480), 24, 0x20) },
        { "webp vp8l truncated", TestImages.WebPVp8L(640, 480)[..24] },
        { "webp vp8x truncated", TestImages.WebPVp8X(640, 480)[..29] },
    };

    [Theory]
    [MemberData(nameof(UnreadableFiles))]
    public void TryReadSize_UnreadableFile_IsFalse(string name, byte[] file)
    {
        Assert.False(ImageHeader.TryReadSize(file, out int w, out int h), name);
        Assert.Equal((0, 0), (w, h));
    }

    [Theory]
    [MemberData(nameof(UnreadableFiles))]
    public void TryReadDataUrlSize_UnreadableFile_IsFalse(string name, byte[] file)
    {
        byte[] url = Encoding.ASCII.GetBytes("data:image/png;base64," + Convert.ToBase64String(file));

        Assert.False(ImageHeader.TryReadDataUrlSize(url, out int w, out int h), name);
        Assert.Equal((0, 0), (w, h));
    }

    [Theory]
    [InlineData("")]
    [InlineData("https://example.com/cat.png")]
    [InlineData("data:")]
    [InlineData("data:image/png;base64")]
    [InlineData("data:image/png;base64,")]
    [InlineData("data:image/png,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAAAA")]
    [InlineData("data:image/png;base32,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAAAA")]
    [InlineData("data:image/png;base64,!!!!iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAAAA")]
    [InlineData("data:image/png;base64,iVBORw0KGgo!AAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAAAA")]
    [InlineData("data:image/png;base64,iVBORw0KGgo\\x")]
    [InlineData("data:image/png;base64,iVBORw0KGgo\\u00e9AAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAAAA")]
    [InlineData("data:image/png;base64,iVBORw0KGgo\\u00")]
    [InlineData("data:image/png;base64,iVBORw0KGgo\\")]
    [InlineData("data:image/png;base64,iVBORw0KGgo=AAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAAAA")]
    [InlineData("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEA")]
    [InlineData("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1Pe\"AAAAAA")]
    [InlineData("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1Pé")]
    [InlineData("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAAA")]
    public void TryReadDataUrlSize_NotAReadableDataUrl_IsFalse(string text)
    {
        Assert.False(ImageHeader.TryReadDataUrlSize(Encoding.UTF8.GetBytes(text), out int w, out int h));
        Assert.Equal((0, 0), (w, h));
    }

    [Fact]
    public void TryReadDataUrlSize_ValidOneByOnePng_IsTheControlOfTheGarbageCases()
    {
        // The same base64 as the garbage cases above, whole: the failures are the damage, not the image.
        byte[] url = Encoding.ASCII.GetBytes("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAAAA");

        Assert.True(ImageHeader.TryReadDataUrlSize(url, out int w, out int h));
        Assert.Equal((1, 1), (w, h));
    }

    [Fact]
    public void TryReadDataUrlSize_LongHeaderWithoutComma_IsFalse()
    {
        byte[] url = Encoding.ASCII.GetBytes("data:image/png;" + new string('x', 10_000) + ";base64," + Convert.ToBase64String(TestImages.Png(1, 1)));

        Assert.False(ImageHeader.TryReadDataUrlSize(url, out _, out _));
    }

    [Fact]
    public void TryRead_RandomAndTruncatedInput_NeverThrows()
    {
        var random = new Random(20261101);
        var valid = new[] { "png", "jpeg", "gif", "webp-vp8", "webp-vp8l", "webp-vp8x" }
            .Select(format => TestImages.Make(format, 640, 480))
            .Append(TestImages.Jpeg(640, 480, before: TestImages.LargeSegments(1)))
            .ToArray();
        for (int i = 0; i < 3000; i++)
        {
            byte[] file;
            if (i % 2 == 0)
            {
                file = new byte[random.Next(0, 64)];
                random.NextBytes(file);
                if (file.Length >= 2 && i % 4 == 0)
                {
                    (file[0], file[1]) = (0xFF, 0xD8);
                }
            }
            else
            {
                byte[] source = valid[random.Next(valid.Length)];
                file = source[..random.Next(0, Math.Min(source.Length, 200))];
                if (file.Length > 0)
                {
                    file[random.Next(file.Length)] ^= (byte)random.Next(1, 256);
                }
            }

            ImageHeader.TryReadSize(file, out _, out _);
            string base64 = Convert.ToBase64String(file);
            ImageHeader.TryReadDataUrlSize(Encoding.ASCII.GetBytes("data:image/png;base64," + base64), out _, out _);
            ImageHeader.TryReadDataUrlSize(Encoding.ASCII.GetBytes("data:image/png;base64," + base64[..random.Next(0, base64.Length + 1)]), out _, out _);
            ImageHeader.TryReadDataUrlSize(file, out _, out _);
        }
    }
}
