using System.Buffers.Binary;

namespace AgentGuard.FakeOpenAI;

/// <summary>The fake's own minimal reader of image sizes: PNG (IHDR), GIF (logical screen), WebP
/// (VP8, VP8L, VP8X) and JPEG (the first SOFn marker). Only headers are read, never pixels.</summary>
internal static class ImageHeaders
{
    public static bool TryReadSize(ReadOnlySpan<byte> data, out FakeImageSize size)
    {
        size = default;
        var (width, height) = data switch
        {
            _ when data.Length >= 24 && data.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A])
                && data[12..16].SequenceEqual("IHDR"u8) =>
                ((long)BinaryPrimitives.ReadUInt32BigEndian(data[16..]), (long)BinaryPrimitives.ReadUInt32BigEndian(data[20..])),
            _ when data.Length >= 10 && (data.StartsWith("GIF87a"u8) || data.StartsWith("GIF89a"u8)) =>
                (BinaryPrimitives.ReadUInt16LittleEndian(data[6..]), BinaryPrimitives.ReadUInt16LittleEndian(data[8..])),
            _ when data.Length >= 30 && data.StartsWith("RIFF"u8) && data[8..12].SequenceEqual("WEBP"u8) => WebP(data),
            _ when data.Length >= 4 && data[0] == 0xFF && data[1] == 0xD8 => Jpeg(data),
            _ => (0L, 0L),
        };

        if (width is <= 0 or > int.MaxValue || height is <= 0 or > int.MaxValue)
        {
            return false;
        }

        size = new FakeImageSize((int)width, (int)height);
        return true;
    }

    private static (long Width, long Height) WebP(ReadOnlySpan<byte> data)
    {
        var chunk = data[12..16];
        if (chunk.SequenceEqual("VP8 "u8) && data[23] == 0x9D && data[24] == 0x01 && data[25] == 0x2A)
        {
            return (BinaryPrimitives.ReadUInt16LittleEndian(data[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(data[28..]) & 0x3FFF);
        }

        if (chunk.SequenceEqual("VP8L"u8) && data[20] == 0x2F)
        {
            var bits = BinaryPrimitives.ReadUInt32LittleEndian(data[21..]);
            return ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
        }

        if (chunk.SequenceEqual("VP8X"u8))
        {
            return (UInt24(data[24..]) + 1, UInt24(data[27..]) + 1);
        }

        return (0, 0);
    }

    private static (long Width, long Height) Jpeg(ReadOnlySpan<byte> data)
    {
        var pos = 2;
        while (pos + 3 < data.Length)
        {
            if (data[pos] != 0xFF)
            {
                return (0, 0);
            }

            var marker = data[pos + 1];
            if (marker == 0xFF)
            {
                pos++; // fill byte
                continue;
            }

            if (marker is 0x01 or (>= 0xD0 and <= 0xD8))
            {
                pos += 2; // no length
                continue;
            }

            if (marker is 0xD9 or 0xDA)
            {
                return (0, 0); // end of image or start of scan before any frame header
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 2)..]);
            if (marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC))
            {
                return pos + 9 <= data.Length
                    ? (BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 5)..]))
                    : (0, 0);
            }

            pos += 2 + length;
        }

        return (0, 0);
    }

    private static long UInt24(ReadOnlySpan<byte> data) => data[0] | (data[1] << 8) | (data[2] << 16);
}
