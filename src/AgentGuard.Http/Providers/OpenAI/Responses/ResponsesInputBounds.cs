using System.Text.Json;
using AgentGuard.Http.Estimation;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// The two ways to bound the input of one model turn of a Responses request. No framing rule is published for the
/// Responses API; its models and chat template are those of chat, so the chat framing of <see cref="ChatInputBounds"/>
/// applies: <c>instructions</c> are a system message, a string <c>input</c> a user message, every input item a message,
/// every tool and <c>text.format</c> a tool definition.
/// <para>
/// Context the body does not show is added: a previous response this budget settled adds its input and output tokens;
/// an unknown previous response, a <c>conversation</c>, a stored <c>prompt</c> or items stored on the server add a whole
/// input window. One turn never needs more than the model's input window: OpenAI refuses (or truncates) larger input.
/// </para>
/// </summary>
internal static class ResponsesInputBounds
{
    // The roles the body implies without spelling them out: their tokens are not among the body's bytes.
    private const string SystemRole = "system";
    private const string UserRole = "user";

    public static InputTokenBound ByBytes(ResponsesRequest request, PricedModel model, EstimationContext context)
    {
        long visible = request.TextBytes
            + ChatInputBounds.ReplyPriming
            + ((long)ChatInputBounds.FramingPerMessage * (request.InputItemCount + (request.HasInstructions ? 1 : 0)))
            + (request.HasInstructions ? SystemRole.Length : 0)
            + (request.HasStringInput ? UserRole.Length : 0)
            + ((long)ChatInputBounds.FramingPerTool * (request.ToolCount + (request.HasTextFormat ? 1 : 0)));
        return FirstTurn(visible, request, model, context);
    }

    /// <summary>
    /// Exact counts: the tokens of every string of every input item (message texts, tool call arguments and outputs),
    /// of the instructions, and of the JSON text of each tool definition and of <c>text.format</c>, with the same framing.
    /// </summary>
    public static InputTokenBound ByTokenizer(
        ReadOnlySpan<byte> body, ResponsesRequest request, PricedModel model, EstimationContext context, TextTokens tokens)
    {
        var reader = new Utf8JsonReader(body, JsonRequestFields.ReaderOptions);
        reader.Read();
        long visible = ChatInputBounds.ReplyPriming;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("instructions"u8))
            {
                reader.Read();
                visible += reader.TokenType == JsonTokenType.String
                    ? ChatInputBounds.FramingPerMessage + tokens.CountText(SystemRole).Upper + ChatInputBounds.CountString(ref reader, tokens)
                    : 0;
            }
            else if (reader.ValueTextEquals("input"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    visible += ChatInputBounds.FramingPerMessage + tokens.CountText(UserRole).Upper + ChatInputBounds.CountString(ref reader, tokens);
                }
                else if (reader.TokenType == JsonTokenType.StartArray)
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                    {
                        visible += ChatInputBounds.FramingPerMessage + ChatInputBounds.CountStrings(ref reader, tokens);
                    }
                }
            }
            else if (reader.ValueTextEquals("tools"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        visible += ChatInputBounds.FramingPerTool + ChatInputBounds.CountRaw(ref reader, body, tokens);
                    }
                }
            }
            else if (reader.ValueTextEquals("text"u8))
            {
                reader.Read();
                visible += reader.TokenType == JsonTokenType.StartObject ? CountTextFormat(ref reader, body, tokens) : 0;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return FirstTurn(visible, request, model, context);
    }

    /// <summary>The most input one model turn accepts: the input limit, else the context window.</summary>
    public static long InputWindow(PricedModel model) => model.Price.MaxInputTokens ?? model.Price.ContextWindowTokens;

    private static InputTokenBound FirstTurn(long visibleText, ResponsesRequest request, PricedModel model, EstimationContext context)
    {
        // Images are billed by their model family's rule, on top of the text (their URLs and data are not text).
        long visible = visibleText + ImageInputBounds.Tokens(request.Images, model, request.Model);
        long window = InputWindow(model);
        return new InputTokenBound(Math.Min(visible + Hidden(request, window, context), window), Lower: 0, PredictionUpper: 0);
    }

    /// <summary>The input the request brings in without showing it.</summary>
    private static long Hidden(ResponsesRequest request, long window, EstimationContext context)
    {
        // MCP servers' tool lists are read into the context before the first turn: their size is not in the body.
        if (request.HasConversation || request.HasPrompt || request.HasServerSideItems || request.HostedToolTypes.Contains("mcp"))
        {
            return window;
        }

        if (request.PreviousResponseId is not { } previous)
        {
            return 0;
        }

        // A previous response's input already holds its own predecessors: its input and output are all it adds.
        return context.ResponseTokens is { } known && known.TryGet(previous, out long tokens) ? tokens : window;
    }

    private static long CountTextFormat(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, TextTokens tokens)
    {
        long count = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isFormat = reader.ValueTextEquals("format"u8);
            reader.Read();
            if (isFormat && reader.TokenType != JsonTokenType.Null)
            {
                count += ChatInputBounds.FramingPerTool + ChatInputBounds.CountRaw(ref reader, body, tokens);
            }
            else
            {
                reader.Skip();
            }
        }

        return count;
    }
}
