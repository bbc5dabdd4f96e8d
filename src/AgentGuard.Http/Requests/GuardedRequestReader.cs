using System.Globalization;
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
    /// followed by a low one), or -1. Backslashes stand only inside strings in valid JSON, where each starts an escape; the
    /// JSON reader rejects any other, so the body is scanned for escapes without being parsed.
    /// </summary>
    public static int IndexOfLoneSurrogateEscape(ReadOnlySpan<byte> body)
    {
        int i = 0;
        while (true)
        {
            int found = body[i..].IndexOf((byte)'\\');
            if (found < 0)
            {
                return -1;
            }

            i += found;
            if (!TryReadUnitEscape(body, i, out int unit))
            {
                // Another escape (\n, \\, \"...): its second character cannot start one.
                i += 2;
                if (i >= body.Length)
                {
                    return -1;
                }

                continue;
            }

            if (char.IsLowSurrogate((char)unit))
            {
                return i;
            }

            if (char.IsHighSurrogate((char)unit))
            {
                if (!TryReadUnitEscape(body, i + 6, out int low) || !char.IsLowSurrogate((char)low))
                {
                    return i;
                }

                i += 6;
            }

            i += 6;
        }
    }

    /// <summary>Reads a <c>\uXXXX</c> escape at <paramref name="at"/>.</summary>
    private static bool TryReadUnitEscape(ReadOnlySpan<byte> body, int at, out int unit)
    {
        unit = 0;
        return at + 6 <= body.Length && body[at] == '\\' && body[at + 1] == 'u'
            && int.TryParse(body.Slice(at + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out unit);
    }
}
