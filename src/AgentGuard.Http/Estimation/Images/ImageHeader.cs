using System.Buffers.Binary;
using System.Buffers.Text;

namespace AgentGuard.Http.Estimation;

/// <summary>
/// Reads an image's pixel size from the first bytes of its file, for the formats OpenAI accepts: PNG, JPEG, GIF
/// and WebP. Nothing here throws on bad input: anything that is not a readable header gives <see langword="false"/>,
/// and the caller then bounds the image by the worst case of its model's rule.
/// </summary>
internal static class ImageHeader
{
    // A data URL is decoded one block at a time into the stack: a PNG, GIF or WebP header lies in the first block,
    // and a JPEG is scanned block after block, skipping its segments, so memory stays fixed whatever the image size.
    private const int CharsPerBlock = 2048;
    private const int BytesPerBlock = CharsPerBlock / 4 * 3;

    private enum Scan
    {
        Found,
        NeedMore,
        Invalid,
    }

    /// <summary>Reads the size from the start of an image file (the whole file, or at least its header).</summary>
    public static bool TryReadSize(ReadOnlySpan<byte> file, out int width, out int height)
    {
        if (IsJpeg(file))
        {
            var jpeg = default(JpegScanner);
            return jpeg.Feed(file, out width, out height) == Scan.Found;
        }

        return TryReadFixedHeader(file, out width, out height);
    }

    /// <summary>
    /// Reads the size of the image in a <c>data:[media type][;parameters];base64,...</c> URL, decoding only as much
    /// base64 as the header needs. <paramref name="jsonString"/> is the URL as it appears between the quotes of a
    /// JSON string, escaped or not: escapes such as <c>\/</c> and <c>\u002B</c> are undone here, and since a data
    /// URL holds no backslash of its own, already unescaped text reads the same. The media type is not trusted:
    /// the format is recognized from the decoded bytes. Whitespace inside the base64 is skipped; anything else
    /// that is not base64 makes the URL unreadable, but only in the part read: the rest is never looked at.
    /// </summary>
    public static bool TryReadDataUrlSize(ReadOnlySpan<byte> jsonString, out int width, out int height)
    {
        width = 0;
        height = 0;
        var text = new JsonStringText(jsonString);
        if (!text.SkipDataUrlHeader())
        {
            return false;
        }

        Span<byte> chars = stackalloc byte[CharsPerBlock];
        Span<byte> bytes = stackalloc byte[BytesPerBlock];
        int count = DecodeBlock(ref text, chars, bytes, out bool ended);
        if (count < 0)
        {
            return false;
        }

        var block = bytes[..count];
        if (!IsJpeg(block))
        {
            return TryReadFixedHeader(block, out width, out height);
        }

        var jpeg = default(JpegScanner);
        while (true)
        {
            var scan = jpeg.Feed(block, out width, out height);
            if (scan != Scan.NeedMore || ended)
            {
                return scan == Scan.Found;
            }

            count = DecodeBlock(ref text, chars, bytes, out ended);
            if (count < 0)
            {
                return false;
            }

            block = bytes[..count];
        }
    }

    /// <summary>
    /// Decodes the next block of base64 into <paramref name="bytes"/>, and says when the text has <paramref name="ended"/>.
    /// -1 when what was read is not base64 (a character outside the alphabet, padding in the middle): such a URL
    /// is garbage, whatever its first bytes say.
    /// </summary>
    private static int DecodeBlock(ref JsonStringText text, scoped Span<byte> chars, scoped Span<byte> bytes, out bool ended)
    {
        int count = 0;
        ended = false;
        while (count < chars.Length)
        {
            int c = text.NextBase64Char();
            if (c == JsonStringText.Bad)
            {
                return -1;
            }

            if (c == JsonStringText.End)
            {
                ended = true;
                break;
            }

            chars[count++] = (byte)c;
        }

        // Blocks are whole groups of four but the last, which may leave out its padding: put it back.
        if (ended && count % 4 is 2 or 3)
        {
            chars.Slice(count, 4 - (count % 4)).Fill((byte)'=');
            count += 4 - (count % 4);
        }

        var status = Base64.DecodeFromUtf8(chars[..count], bytes, out _, out int written, isFinalBlock: true);
        return status == System.Buffers.OperationStatus.Done ? written : -1;
    }

    private static bool IsJpeg(ReadOnlySpan<byte> file) => file.Length >= 2 && file[0] == 0xFF && file[1] == 0xD8;

    /// <summary>PNG, GIF and WebP: the size is at a fixed place in the first 30 bytes.</summary>
    private static bool TryReadFixedHeader(ReadOnlySpan<byte> file, out int width, out int height)
    {
        width = 0;
        height = 0;
        long w, h;
        if (file.Length >= 24 && file.StartsWith(PngSignature) && file[12..16].SequenceEqual("IHDR"u8))
        {
            // The IHDR chunk comes first; PNG limits both sides to 2^31 - 1.
            w = BinaryPrimitives.ReadUInt32BigEndian(file[16..]);
            h = BinaryPrimitives.ReadUInt32BigEndian(file[20..]);
        }
        else if (file.StartsWith("GIF8"u8))
        {
            // A GIF's logical screen does not bound its frames (a frame may reach beyond it, and decoders grow the image
            // to cover it): its size is not known from the header, so the image is bounded by its family's worst case.
            return false;
        }
        else if (file.Length >= 16 && file.StartsWith("RIFF"u8) && file[8..12].SequenceEqual("WEBP"u8))
        {
            if (!TryReadWebP(file, out w, out h))
            {
                return false;
            }
        }
        else
        {
            return false;
        }

        return Accept(w, h, out width, out height);
    }

    /// <summary>The first chunk of a WebP file says the size: VP8 (lossy), VP8L (lossless) or VP8X (extended).</summary>
    private static bool TryReadWebP(ReadOnlySpan<byte> file, out long width, out long height)
    {
        width = 0;
        height = 0;
        var chunk = file[12..16];
        if (chunk.SequenceEqual("VP8 "u8) && file.Length >= 30)
        {
            // A key frame (bit 0 of the frame tag clear) has a start code, then 14-bit sizes (the top 2 bits scale
            // the display, not the decoded size).
            if ((file[20] & 1) != 0 || file[23] != 0x9D || file[24] != 0x01 || file[25] != 0x2A)
            {
                return false;
            }

            width = BinaryPrimitives.ReadUInt16LittleEndian(file[26..]) & 0x3FFF;
            height = BinaryPrimitives.ReadUInt16LittleEndian(file[28..]) & 0x3FFF;
            return true;
        }

        if (chunk.SequenceEqual("VP8L"u8) && file.Length >= 25)
        {
            // A signature byte, then width - 1 and height - 1 in 14 bits each, then 1 alpha bit and a 3-bit version of 0.
            uint bits = BinaryPrimitives.ReadUInt32LittleEndian(file[21..]);
            if (file[20] != 0x2F || (bits >> 29) != 0)
            {
                return false;
            }

            width = (bits & 0x3FFF) + 1;
            height = ((bits >> 14) & 0x3FFF) + 1;
            return true;
        }

        if (chunk.SequenceEqual("VP8X"u8) && file.Length >= 30)
        {
            // Flags and 3 reserved bytes, then the canvas width - 1 and height - 1 in 24 bits each.
            width = ReadUInt24LittleEndian(file[24..]) + 1;
            height = ReadUInt24LittleEndian(file[27..]) + 1;
            return true;
        }

        return false;
    }

    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private static uint ReadUInt24LittleEndian(ReadOnlySpan<byte> bytes) => bytes[0] | ((uint)bytes[1] << 8) | ((uint)bytes[2] << 16);

    /// <summary>A size of zero means the real size is elsewhere (a GIF's frames, a JPEG's DNL): not known here.</summary>
    private static bool Accept(long w, long h, out int width, out int height)
    {
        bool ok = w is > 0 and <= int.MaxValue && h is > 0 and <= int.MaxValue;
        width = ok ? (int)w : 0;
        height = ok ? (int)h : 0;
        return ok;
    }

    /// <summary>
    /// Walks JPEG segments, fed any number of bytes at a time, until a start-of-frame segment gives the size.
    /// Strict: bytes between segments, a scan or the end of the image before any frame make it unreadable.
    /// </summary>
    private struct JpegScanner
    {
        private State _state;
        private int _remaining;
        private int _sofRead;
        private byte _marker;
        private ulong _sof;

        // The frame's size, once read: it counts only if no other frame follows before the scan begins.
        private int _frameWidth;
        private int _frameHeight;

        private enum State
        {
            Start,
            StartMarker,
            SegmentStart,
            Marker,
            LengthHigh,
            LengthLow,
            Skip,
            Frame,
        }

        public Scan Feed(ReadOnlySpan<byte> data, out int width, out int height)
        {
            width = 0;
            height = 0;
            for (int i = 0; i < data.Length; i++)
            {
                byte b = data[i];
                switch (_state)
                {
                    case State.Start:
                        if (b != 0xFF)
                        {
                            return Scan.Invalid;
                        }

                        _state = State.StartMarker;
                        break;

                    case State.StartMarker:
                        if (b != 0xD8)
                        {
                            return Scan.Invalid;
                        }

                        _state = State.SegmentStart;
                        break;

                    case State.SegmentStart:
                        if (b != 0xFF)
                        {
                            return Scan.Invalid;
                        }

                        _state = State.Marker;
                        break;

                    case State.Marker:
                        if (b == 0xFF)
                        {
                            // Fill bytes may pad a marker.
                            break;
                        }

                        if (b == 0x01 || b is >= 0xD0 and <= 0xD7)
                        {
                            // TEM and RSTn stand alone, with no length.
                            _state = State.SegmentStart;
                            break;
                        }

                        if (b is 0xDA or 0xD9 && _frameWidth > 0)
                        {
                            // The image data begins (or ends) after exactly one frame header: that frame's size is the image's.
                            width = _frameWidth;
                            height = _frameHeight;
                            return Scan.Found;
                        }

                        if (b is 0x00 or 0xD8 or 0xD9 or 0xDA)
                        {
                            // A stuffed byte, a second start, the end of the image or a scan before any frame.
                            return Scan.Invalid;
                        }

                        _marker = b;
                        _state = State.LengthHigh;
                        break;

                    case State.LengthHigh:
                        _remaining = b << 8;
                        _state = State.LengthLow;
                        break;

                    case State.LengthLow:
                        _remaining = (_remaining | b) - 2;
                        if (_remaining < 0)
                        {
                            return Scan.Invalid;
                        }

                        if (IsStartOfFrame(_marker))
                        {
                            // Precision, height and width: 5 bytes.
                            if (_remaining < 5)
                            {
                                return Scan.Invalid;
                            }

                            _state = State.Frame;
                        }
                        else
                        {
                            _state = _remaining == 0 ? State.SegmentStart : State.Skip;
                        }

                        break;

                    case State.Skip:
                        // Whole segments (EXIF, ICC profiles, tables) are stepped over without being read.
                        int skip = Math.Min(_remaining, data.Length - i);
                        _remaining -= skip;
                        i += skip - 1;
                        if (_remaining == 0)
                        {
                            _state = State.SegmentStart;
                        }

                        break;

                    case State.Frame:
                        _sof = (_sof << 8) | b;
                        if (++_sofRead == 5)
                        {
                            // A height of 0 is defined later by a DNL segment: not known from the header. A second frame
                            // header (decoders differ on which one wins: some keep the last) leaves the size unknown too.
                            int h = (int)((_sof >> 16) & 0xFFFF);
                            int w = (int)(_sof & 0xFFFF);
                            if (_frameWidth > 0 || !Accept(w, h, out _frameWidth, out _frameHeight))
                            {
                                return Scan.Invalid;
                            }

                            // Read on to the start of the image data, past the rest of this segment.
                            _sof = 0;
                            _sofRead = 0;
                            _remaining -= 5;
                            _state = _remaining == 0 ? State.SegmentStart : State.Skip;
                        }

                        break;
                }
            }

            return Scan.NeedMore;
        }

        /// <summary>SOF0 to SOF15, except DHT (C4), JPG (C8) and DAC (CC) that share the range.</summary>
        private static bool IsStartOfFrame(byte marker) => marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
    }

    /// <summary>
    /// The characters of a JSON string value with its escapes undone, one at a time. Only ASCII matters to a data
    /// URL, so any other character (escaped or not) reads as <see cref="Bad"/>.
    /// </summary>
    private ref struct JsonStringText(ReadOnlySpan<byte> raw)
    {
        public const int End = -1;
        public const int Bad = -2;

        private readonly ReadOnlySpan<byte> _raw = raw;
        private int _position;

        /// <summary>Steps over <c>data:</c>, the media type and its parameters, up to the comma after <c>;base64</c>.</summary>
        public bool SkipDataUrlHeader()
        {
            // The longest header is well under this; a longer one is not a data URL worth reading.
            const int MaxHeader = 256;
            ReadOnlySpan<byte> scheme = "data:"u8;
            ReadOnlySpan<byte> encoding = ";base64"u8;
            Span<byte> tail = stackalloc byte[encoding.Length];
            for (int i = 0; i < MaxHeader; i++)
            {
                int c = Next();
                if (c < 0)
                {
                    return false;
                }

                c = c is >= 'A' and <= 'Z' ? c + ('a' - 'A') : c;
                if (i < scheme.Length)
                {
                    if (c != scheme[i])
                    {
                        return false;
                    }

                    continue;
                }

                if (c == ',')
                {
                    return i - scheme.Length >= encoding.Length && tail.SequenceEqual(encoding);
                }

                // Keep the last characters before the comma.
                tail[1..].CopyTo(tail);
                tail[^1] = (byte)c;
            }

            return false;
        }

        /// <summary>The next base64 character, skipping whitespace; <see cref="End"/> at the end, <see cref="Bad"/> at anything else.</summary>
        public int NextBase64Char()
        {
            while (true)
            {
                int c = Next();
                if (c is ' ' or '\t' or '\n' or '\r')
                {
                    continue;
                }

                return c is End or (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '+' or '/' or '=' ? c : Bad;
            }
        }

        private int Next()
        {
            if (_position >= _raw.Length)
            {
                return End;
            }

            byte b = _raw[_position++];
            if (b != '\\')
            {
                return b < 0x80 ? b : Bad;
            }

            if (_position >= _raw.Length)
            {
                return Bad;
            }

            byte escaped = _raw[_position++];
            switch (escaped)
            {
                case (byte)'"' or (byte)'\\' or (byte)'/':
                    return escaped;
                case (byte)'b':
                    return '\b';
                case (byte)'f':
                    return '\f';
                case (byte)'n':
                    return '\n';
                case (byte)'r':
                    return '\r';
                case (byte)'t':
                    return '\t';
                case (byte)'u':
                    if (_position + 4 > _raw.Length)
                    {
                        return Bad;
                    }

                    int value = 0;
                    for (int i = 0; i < 4; i++)
                    {
                        int digit = HexValue(_raw[_position++]);
                        if (digit < 0)
                        {
                            return Bad;
                        }

                        value = (value << 4) | digit;
                    }

                    return value < 0x80 ? value : Bad;
                default:
                    return Bad;
            }
        }

        private static int HexValue(byte b) => b switch
        {
            >= (byte)'0' and <= (byte)'9' => b - '0',
            >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
            >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
            _ => -1,
        };
    }
}
