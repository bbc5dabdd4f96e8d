using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;
using System.Text.Unicode;
using AgentGuard.Http.Providers;

namespace AgentGuard.Http.Requests;

/// <summary>Reads a request body with the reader of its operation.</summary>
internal static class GuardedRequestReader
{
    /// <param name="operation">The operation the request goes to.</param>
    /// <param name="body">The request body.</param>
    /// <param name="modelInPath">Whether the path names the model or deployment, so that the body may leave out <c>model</c>.</param>
    /// <exception cref="UnboundedRequestException">The body cannot be read or holds what cannot be bounded.</exception>
    public static GuardedRequest Read(LlmOperation operation, ReadOnlySpan<byte> body, bool modelInPath = false)
    {
        // Byte bounds hold for UTF-8 only: Utf8JsonReader does not check string contents, and a server that decodes an
        // invalid byte as U+FFFD reads three bytes where the bound counted one. One vectorized pass over the body.
        if (!Utf8.IsValid(body))
        {
            throw JsonRequestFields.Malformed(operation.DisplayName, "the body is not valid UTF-8");
        }

        // Valid JSON, but no text: System.Text.Json cannot decode such a string (it throws InvalidOperationException, even
        // when only comparing a member name), and a server may reject the body or read the escape as U+FFFD.
        if (IndexOfLoneSurrogateEscape(body) is int at and >= 0)
        {
            string escape = Encoding.ASCII.GetString(body.Slice(at, 6));
            throw JsonRequestFields.Malformed(operation.DisplayName, string.Create(CultureInfo.InvariantCulture,
                $"it has a lone surrogate escape ({escape} at byte {at}): half of a UTF-16 surrogate pair without the other half, which is not a character, so the text cannot be decoded"));
        }

        return operation.Read(body, modelInPath);
    }

    /// <summary>
    /// The offset of the first <c>\u</c> escape of a UTF-16 surrogate that is not half of a pair (a high surrogate escape
    /// followed by a low one), or -1. Surrogate escapes start with <c>\ud</c> or <c>\uD</c>: the body is searched for
    /// those only, in one vectorized pass (other escapes, common in escaped non-ASCII text, cost nothing), without being
    /// parsed. Backslashes stand only inside strings in valid JSON, where a run of them escapes itself in pairs; the JSON
    /// reader rejects anything else.
    /// </summary>
    public static int IndexOfLoneSurrogateEscape(ReadOnlySpan<byte> body)
    {
        for (int at = IndexOfSurrogateEscape(body, 0); at >= 0; at = IndexOfSurrogateEscape(body, at + 3))
        {
            if (!StartsEscape(body, at))
            {
                continue;
            }

            switch (SurrogateAt(body, at))
            {
                case Surrogate.Low:
                    return at;
                case Surrogate.High when SurrogateAt(body, at + 6) != Surrogate.Low:
                    return at;
                case Surrogate.High:
                    at += 9;
                    break;
            }
        }

        return -1;
    }

    /// <summary>The offset of the next <c>\ud</c> or <c>\uD</c> from <paramref name="from"/>, or -1.</summary>
    private static int IndexOfSurrogateEscape(ReadOnlySpan<byte> body, int from)
    {
        ref byte start = ref MemoryMarshal.GetReference(body);
        int at = from;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; at + Vector256<byte>.Count + 2 <= body.Length; at += Vector256<byte>.Count)
            {
                var found = Vector256.Equals(Vector256.LoadUnsafe(ref start, (nuint)at), Vector256.Create((byte)'\\'))
                    & Vector256.Equals(Vector256.LoadUnsafe(ref start, (nuint)(at + 1)), Vector256.Create((byte)'u'))
                    & Vector256.Equals(Vector256.LoadUnsafe(ref start, (nuint)(at + 2)) | Vector256.Create((byte)0x20), Vector256.Create((byte)'d'));
                if (found != Vector256<byte>.Zero)
                {
                    return at + BitOperations.TrailingZeroCount(found.ExtractMostSignificantBits());
                }
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; at + Vector128<byte>.Count + 2 <= body.Length; at += Vector128<byte>.Count)
            {
                var found = Vector128.Equals(Vector128.LoadUnsafe(ref start, (nuint)at), Vector128.Create((byte)'\\'))
                    & Vector128.Equals(Vector128.LoadUnsafe(ref start, (nuint)(at + 1)), Vector128.Create((byte)'u'))
                    & Vector128.Equals(Vector128.LoadUnsafe(ref start, (nuint)(at + 2)) | Vector128.Create((byte)0x20), Vector128.Create((byte)'d'));
                if (found != Vector128<byte>.Zero)
                {
                    return at + BitOperations.TrailingZeroCount(found.ExtractMostSignificantBits());
                }
            }
        }

        for (; at + 2 < body.Length; at++)
        {
            if (body[at] == '\\' && body[at + 1] == 'u' && (body[at + 2] | 0x20) == 'd')
            {
                return at;
            }
        }

        return -1;
    }

    private enum Surrogate
    {
        None,
        High,
        Low,
    }

    /// <summary>Whether the backslash at <paramref name="at"/> starts an escape: it follows an even run of backslashes.</summary>
    private static bool StartsEscape(ReadOnlySpan<byte> body, int at)
    {
        int run = at;
        while (run > 0 && body[run - 1] == '\\')
        {
            run--;
        }

        return (at - run) % 2 == 0;
    }

    /// <summary>What the <c>\uXXXX</c> escape at <paramref name="at"/> encodes: half of a surrogate pair, or anything else.</summary>
    private static Surrogate SurrogateAt(ReadOnlySpan<byte> body, int at)
    {
        if (at + 6 > body.Length || body[at] != '\\' || body[at + 1] != 'u' || (body[at + 2] | 0x20) != 'd'
            || !char.IsAsciiHexDigit((char)body[at + 4]) || !char.IsAsciiHexDigit((char)body[at + 5]))
        {
            return Surrogate.None;
        }

        return (char)(body[at + 3] | 0x20) switch
        {
            '8' or '9' or 'a' or 'b' => Surrogate.High,
            'c' or 'd' or 'e' or 'f' => Surrogate.Low,
            _ => Surrogate.None,
        };
    }
}
