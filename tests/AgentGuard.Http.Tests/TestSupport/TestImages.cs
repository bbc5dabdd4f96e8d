using System.Buffers.Binary;
using System.Text;

namespace AgentGuard.Http.Tests.TestSupport;

/// <summary>Small valid image files written byte by byte.</summary>
internal static class TestImages
{
    public static byte[] Make(string format, int width, int height) => format switch
    {
        "png" => Png(width, height),
        "jpeg" => Jpeg(width, height),
        "jpeg-progressive" => Jpeg(width, height, sof: 0xC2),
        "gif" => Gif(width, height),
        "webp-vp8" => WebPVp8(width, height),
        "webp-vp8l" => WebPVp8L(width, height),
        "webp-vp8x" => WebPVp8X(width, height),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    public static string DataUrl(string format, byte[] file)
    {
        string type = format.StartsWith("webp", StringComparison.Ordinal) ? "webp" : format.Split('-')[0];
        return $"data:image/{type};base64,{Convert.ToBase64String(file)}";
    }

    public static byte[] Png(int width, int height)
    {
        var file = new List<byte> { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // truecolour
        Chunk(file, "IHDR", ihdr);
        Chunk(file, "IDAT", [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]);
        Chunk(file, "IEND", []);
        return [.. file];
    }

    /// <summary>SOI, a JFIF APP0, the given segments, a frame header, a scan and EOI.</summary>
    public static byte[] Jpeg(int width, int height, byte sof = 0xC0, (byte Marker, byte[] Payload)[]? before = null)
    {
        var file = new List<byte> { 0xFF, 0xD8 };
        Segment(file, 0xE0, [.. "JFIF\0"u8, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
        foreach (var (marker, payload) in before ?? [])
        {
            Segment(file, marker, payload);
        }

        Segment(file, 0xDB, [0, .. Enumerable.Repeat((byte)1, 64)]);
        Segment(file, sof, [8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 3, 1, 0x22, 0, 2, 0x11, 0, 3, 0x11, 0]);
        Segment(file, 0xC4, [0x00, 1, .. new byte[15], 0]);
        Segment(file, 0xDA, [3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 0x3F, 0]);
        file.AddRange([0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9]);
        return [.. file];
    }

    public static byte[] Gif(int width, int height)
    {
        var file = new List<byte>("GIF89a"u8.ToArray());
        file.AddRange([(byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8), 0, 0, 0]);
        file.AddRange([0x2C, 0, 0, 0, 0, (byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8), 0, 2, 2, 0x44, 0x01, 0, 0x3B]);
        return [.. file];
    }

    public static byte[] WebPVp8(int width, int height)
    {
        // Frame tag of a shown key frame, the start code, then 14-bit sizes with no scaling.
        byte[] frame = [0x50, 0x02, 0x00, 0x9D, 0x01, 0x2A, (byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8), 0, 0, 0, 0];
        return Riff("VP8 ", frame);
    }

    public static byte[] WebPVp8L(int width, int height)
    {
        uint bits = (uint)(width - 1) | ((uint)(height - 1) << 14) | (1u << 28);
        byte[] data = new byte[9];
        data[0] = 0x2F;
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(1), bits);
        return Riff("VP8L", data);
    }

    public static byte[] WebPVp8X(int width, int height)
    {
        byte[] data = new byte[10];
        data[0] = 0x10; // alpha
        WriteUInt24(data.AsSpan(4), width - 1);
        WriteUInt24(data.AsSpan(7), height - 1);
        byte[] head = Riff("VP8X", data);
        // The image chunk that follows; only the first chunk matters for the size.
        return [.. head, .. "ALPH"u8, 2, 0, 0, 0, 0, 0];
    }

    /// <summary>APP segments of about 65 KB each, so that the frame header lies far into the file.</summary>
    public static (byte, byte[])[] LargeSegments(int count) =>
        Enumerable.Range(0, count).Select(i => ((byte)(0xE1 + i), Repeat([(byte)i, 0xFF, 0xC0, 0x00, 0x11, 0x08], 65_000 / 6))).ToArray();

    public static byte[] Repeat(byte[] pattern, int times) => Enumerable.Repeat(pattern, times).SelectMany(p => p).ToArray();

    public static byte[] Mutate(byte[] file, int index, byte value)
    {
        byte[] copy = [.. file];
        copy[index] = value;
        return copy;
    }

    private static byte[] Riff(string fourCc, byte[] data)
    {
        var file = new List<byte>("RIFF"u8.ToArray());
        file.AddRange(BitConverter.GetBytes(4 + 8 + data.Length));
        file.AddRange("WEBP"u8.ToArray());
        file.AddRange(Encoding.ASCII.GetBytes(fourCc));
        file.AddRange(BitConverter.GetBytes(data.Length));
        file.AddRange(data);
        return [.. file];
    }

    private static void WriteUInt24(Span<byte> span, int value)
    {
        span[0] = (byte)value;
        span[1] = (byte)(value >> 8);
        span[2] = (byte)(value >> 16);
    }

    private static void Chunk(List<byte> file, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        file.AddRange(length);
        byte[] typed = [.. Encoding.ASCII.GetBytes(type), .. data];
        file.AddRange(typed);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        file.AddRange(crc);
    }

    private static void Segment(List<byte> file, byte marker, byte[] payload)
    {
        file.AddRange([0xFF, marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2)]);
        file.AddRange(payload);
    }

    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }
}
