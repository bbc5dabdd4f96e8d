using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AgentGuard.Cli.Pricing.Import;

/// <summary>
/// Turns the object literal a JavaScript bundle holds its data in (genai-prices' npm package bundles its price data as
/// <c>const E = [{ id: "anthropic", ... }]</c>) into JSON: unquoted keys, strings in any of the three quotes (template
/// literals without substitutions), minified booleans (<c>!0</c>, <c>!1</c>), <c>void 0</c>. Anything else is an error:
/// data that cannot be read exactly is not read at all.
/// </summary>
internal sealed class JsLiteral
{
    private readonly string _text;
    private int _at;

    private JsLiteral(string text, int start)
    {
        _text = text;
        _at = start;
    }

    /// <summary>Converts the literal that starts at <paramref name="start"/> (an array or an object) into JSON.</summary>
    /// <exception cref="FormatException">The text there is not a literal of data.</exception>
    public static byte[] ToJson(string text, int start)
    {
        var reader = new JsLiteral(text, start);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            reader.Value(writer);
        }

        return buffer.ToArray();
    }

    private void Value(Utf8JsonWriter writer)
    {
        SkipSpace();
        char c = Peek();
        switch (c)
        {
            case '{':
                Object(writer);
                break;
            case '[':
                Array(writer);
                break;
            case '"' or '\'' or '`':
                writer.WriteStringValue(String());
                break;
            case '!':
                _at++;
                writer.WriteBooleanValue(Expect(["0", "1"]) == "0");
                break;
            case '-' or '.' or (>= '0' and <= '9'):
                writer.WriteRawValue(Number(), skipInputValidation: true);
                break;
            default:
                string word = Identifier();
                switch (word)
                {
                    case "true": writer.WriteBooleanValue(true); break;
                    case "false": writer.WriteBooleanValue(false); break;
                    case "null": writer.WriteNullValue(); break;
                    case "void":
                        SkipSpace();
                        Expect(["0"]);
                        writer.WriteNullValue();
                        break;
                    default: throw Error($"a value, not '{word}'");
                }

                break;
        }
    }

    private void Object(Utf8JsonWriter writer)
    {
        _at++;
        writer.WriteStartObject();
        while (true)
        {
            SkipSpace();
            if (Peek() == '}')
            {
                _at++;
                break;
            }

            string key = Peek() is '"' or '\'' or '`' ? String() : Peek() is >= '0' and <= '9' ? Number() : Identifier();
            SkipSpace();
            if (Peek() != ':')
            {
                throw Error($"':' after the key '{key}'");
            }

            _at++;
            writer.WritePropertyName(key);
            Value(writer);
            if (!Separator('}'))
            {
                break;
            }
        }

        writer.WriteEndObject();
    }

    private void Array(Utf8JsonWriter writer)
    {
        _at++;
        writer.WriteStartArray();
        while (true)
        {
            SkipSpace();
            if (Peek() == ']')
            {
                _at++;
                break;
            }

            Value(writer);
            if (!Separator(']'))
            {
                break;
            }
        }

        writer.WriteEndArray();
    }

    /// <summary>After an item: a comma (true: more may follow) or the closing bracket (consumed; false).</summary>
    private bool Separator(char close)
    {
        SkipSpace();
        char c = Peek();
        _at++;
        return c == ',' || (c == close ? false : throw Error($"',' or '{close}'", _at - 1));
    }

    private string String()
    {
        char quote = _text[_at++];
        var text = new StringBuilder();
        while (true)
        {
            char c = Peek();
            _at++;
            if (c == quote)
            {
                return text.ToString();
            }

            if (c == '$' && quote == '`' && Peek() == '{')
            {
                throw Error("a template literal without substitutions", _at - 1);
            }

            if ((c == '\n' || c == '\r') && quote != '`')
            {
                throw Error("the end of the string before the line ends", _at - 1);
            }

            if (c != '\\')
            {
                text.Append(c);
                continue;
            }

            char escaped = Peek();
            _at++;
            switch (escaped)
            {
                case 'n': text.Append('\n'); break;
                case 't': text.Append('\t'); break;
                case 'r': text.Append('\r'); break;
                case 'b': text.Append('\b'); break;
                case 'f': text.Append('\f'); break;
                case 'v': text.Append('\v'); break;
                case '0' when Peek() is < '0' or > '9': text.Append('\0'); break;
                case 'x': text.Append((char)Hex(2)); break;
                case 'u' when Peek() == '{':
                    int close = _text.IndexOf('}', _at);
                    if (close < 0)
                    {
                        throw Error("'}' after \\u{");
                    }

                    text.Append(char.ConvertFromUtf32(int.Parse(_text.AsSpan(_at + 1, close - _at - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
                    _at = close + 1;
                    break;
                case 'u': text.Append((char)Hex(4)); break;
                case '\r':
                    if (Peek() == '\n')
                    {
                        _at++;
                    }

                    break;
                case '\n': break;
                default: text.Append(escaped); break;
            }
        }
    }

    private int Hex(int digits)
    {
        if (_at + digits > _text.Length || !int.TryParse(_text.AsSpan(_at, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int value))
        {
            throw Error($"{digits} hexadecimal digits");
        }

        _at += digits;
        return value;
    }

    /// <summary>A number, as JSON writes it (<c>.5</c> becomes <c>0.5</c>, <c>2e5</c> becomes <c>200000</c>).</summary>
    private string Number()
    {
        int start = _at;
        while (_at < _text.Length && (char.IsAsciiDigit(_text[_at]) || _text[_at] is '.' or 'e' or 'E' or '+' or '-'))
        {
            _at++;
        }

        string raw = _text[start.._at];

        // Written as a plain decimal, exactly: minifiers write 200000 as 2e5, which JSON readers take for a fraction.
        if (decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal value))
        {
            return (value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
        }

        return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out double large) && double.IsFinite(large)
            ? large.ToString("R", CultureInfo.InvariantCulture)
            : throw Error("a number", start);
    }

    private string Identifier()
    {
        int start = _at;
        while (_at < _text.Length && (char.IsAsciiLetterOrDigit(_text[_at]) || _text[_at] is '_' or '$'))
        {
            _at++;
        }

        return _at > start ? _text[start.._at] : throw Error("a key or a value", start);
    }

    private string Expect(string[] words)
    {
        foreach (string word in words)
        {
            if (string.CompareOrdinal(_text, _at, word, 0, word.Length) == 0)
            {
                _at += word.Length;
                return word;
            }
        }

        throw Error(string.Join(" or ", words.Select(w => $"'{w}'")));
    }

    private void SkipSpace()
    {
        while (_at < _text.Length)
        {
            if (char.IsWhiteSpace(_text[_at]))
            {
                _at++;
            }
            else if (string.CompareOrdinal(_text, _at, "//", 0, 2) == 0)
            {
                int end = _text.IndexOf('\n', _at);
                _at = end < 0 ? _text.Length : end + 1;
            }
            else if (string.CompareOrdinal(_text, _at, "/*", 0, 2) == 0)
            {
                int end = _text.IndexOf("*/", _at + 2, StringComparison.Ordinal);
                _at = end < 0 ? throw Error("the end of a comment") : end + 2;
            }
            else
            {
                return;
            }
        }
    }

    private char Peek() => _at < _text.Length ? _text[_at] : throw Error("more text before the end of the file");

    private FormatException Error(string expected, int? at = null)
    {
        int position = Math.Min(at ?? _at, _text.Length);
        int line = 1 + _text.AsSpan(0, position).Count('\n');
        return new FormatException($"expected {expected} at line {line}");
    }
}
