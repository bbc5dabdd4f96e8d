using System.Text.Json;
using System.Text;
using AgentGuard.Http.Estimation;
using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// The two ways to bound the input of a chat request.
/// <para>
/// <b>By bytes</b> (no tokenizer, one number): o200k_base and cl100k_base are byte-level BPE vocabularies that
/// contain all 256 single bytes, so no text has more tokens than UTF-8 bytes, and JSON escaping only adds bytes.
/// The body's size therefore bounds every string in it; the chat framing is added on top, generously.
/// </para>
/// <para>
/// <b>By tokenizer</b> (text counts, exact but for pieces too long to merge and text past the call's allowance: see
/// <see cref="TextTokens"/>; slower): used only when the byte bound does not fit the budget.
/// Each message costs <see cref="FramingPerMessage"/> tokens plus the tokens of each of its string values
/// (the OpenAI cookbook says 3), a name one more, the reply priming <see cref="ReplyPriming"/>; tool definitions,
/// tool calls and <c>response_format</c> cost the tokens of their JSON text plus <see cref="FramingPerTool"/>
/// each, because the format they are rendered in is not published.
/// </para>
/// </summary>
internal static class ChatInputBounds
{
    public const int FramingPerMessage = 4;
    public const int FramingPerName = 1;
    public const int ReplyPriming = 3;
    public const int FramingPerTool = 16;

    public static InputTokenBound ByBytes(ChatCompletionRequest request) => new(
        Upper: request.TextBytes
            + ((long)FramingPerMessage * request.MessageCount)
            + ((long)FramingPerName * request.NameCount)
            + ReplyPriming
            + ((long)FramingPerTool * (request.ToolCount + (request.HasResponseFormat ? 1 : 0))),
        Lower: 0,
        PredictionUpper: request.PredictionBytes);

    public static InputTokenBound ByTokenizer(ReadOnlySpan<byte> body, TextTokens tokens)
    {
        var reader = new Utf8JsonReader(body, JsonRequestFields.ReaderOptions);
        reader.Read();
        long upper = ReplyPriming, lower = 0, prediction = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("messages"u8))
            {
                reader.Read();
                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    upper += FramingPerMessage + CountMessage(ref reader, body, tokens, ref lower);
                }
            }
            else if (reader.ValueTextEquals("tools"u8) || reader.ValueTextEquals("functions"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        upper += FramingPerTool + CountRaw(ref reader, body, tokens);
                    }
                }
            }
            else if (reader.ValueTextEquals("response_format"u8))
            {
                reader.Read();
                upper += reader.TokenType == JsonTokenType.Null ? 0 : FramingPerTool + CountRaw(ref reader, body, tokens);
            }
            else if (reader.ValueTextEquals("prediction"u8))
            {
                reader.Read();
                prediction = CountStrings(ref reader, tokens);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new InputTokenBound(upper, lower, prediction);
    }

    private static long CountMessage(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, TextTokens tokens, ref long lower)
    {
        long count = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("tool_calls"u8) || reader.ValueTextEquals("function_call"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        count += FramingPerTool + CountRaw(ref reader, body, tokens);
                    }
                }
                else
                {
                    count += reader.TokenType == JsonTokenType.Null ? 0 : FramingPerTool + CountRaw(ref reader, body, tokens);
                }
            }
            else if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    // Plain text content is tokenized on its own between special tokens, so its count is in every prompt.
                    var (upper, exact) = tokens.Count(ref reader);
                    lower += exact;
                    count += upper;
                }
                else
                {
                    count += CountStrings(ref reader, tokens);
                }
            }
            else
            {
                bool isName = reader.ValueTextEquals("name"u8);
                reader.Read();
                count += CountStrings(ref reader, tokens) + (isName ? FramingPerName : 0);
            }
        }

        return count;
    }

    /// <summary>The tokens of every string value in the current value (recursively).</summary>
    public static long CountStrings(ref Utf8JsonReader reader, TextTokens tokens)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return CountString(ref reader, tokens);
        }

        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return 0;
        }

        long count = 0;
        int depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName && (reader.ValueTextEquals("url"u8) || reader.ValueTextEquals("image_url"u8)))
            {
                // An image's URL or data is not text: the image is billed by its own rule (ImageInputBounds).
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    continue;
                }
            }

            if (reader.TokenType == JsonTokenType.String)
            {
                count += CountString(ref reader, tokens);
            }
        }

        return count;
    }

    /// <summary>The tokens of one string value; its bytes when it spells a special token (see <see cref="TextTokens"/>).</summary>
    public static long CountString(ref Utf8JsonReader reader, TextTokens tokens) => tokens.Count(ref reader).Upper;

    /// <summary>The tokens of the current value's JSON text (bounded as <see cref="TextTokens.CountText"/> says).</summary>
    public static long CountRaw(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, TextTokens tokens)
    {
        long start = reader.TokenStartIndex;
        reader.Skip();
        long end = reader.BytesConsumed;
        return tokens.CountText(Encoding.UTF8.GetString(body[(int)start..(int)end])).Upper;
    }
}
