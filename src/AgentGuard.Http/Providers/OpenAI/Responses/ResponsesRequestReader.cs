using System.Text.Json;
using AgentGuard.Http.Estimation;
using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// Reads a Responses request body in one forward pass with <see cref="Utf8JsonReader"/>, like
/// <see cref="ChatCompletionRequestReader"/>: no text is copied. It records what bounds the input (items, framing,
/// context the body does not show), the output cap and the hosted tools; media the guard cannot bound (images, files,
/// audio) or a body it cannot read is refused with an <see cref="UnboundedRequestException"/>.
/// </summary>
internal static class ResponsesRequestReader
{
    /// <param name="body">The request body.</param>
    /// <param name="modelInPath">Whether the path names the deployment (Azure), so that the body may leave out <c>model</c>.</param>
    public static ResponsesRequest Read(ReadOnlySpan<byte> body, bool modelInPath = false) =>
        JsonRequestFields.ReadBody(body, modelInPath, ResponsesOperation.Api, ReadCore);

    private static ResponsesRequest ReadCore(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, bool modelInPath)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw Malformed("the body is not a JSON object");
        }

        string? model = null, serviceTier = null, previousResponseId = null;
        int? maxOutputTokens = null, maxToolCalls = null;
        bool stream = false, background = false, hasInstructions = false, hasConversation = false, hasPrompt = false, hasTextFormat = false;
        var input = default(InputCounts);
        var tools = default(ToolCounts);
        ImageInputs? images = null;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                model = ReadString(ref reader, "model");
            }
            else if (reader.ValueTextEquals("input"u8))
            {
                ReadInput(ref reader, ref input, ref images);
            }
            else if (reader.ValueTextEquals("instructions"u8))
            {
                hasInstructions = ReadString(ref reader, "instructions") is not null;
            }
            else if (reader.ValueTextEquals("max_output_tokens"u8))
            {
                maxOutputTokens = ReadCount(ref reader, "max_output_tokens");
            }
            else if (reader.ValueTextEquals("max_tool_calls"u8))
            {
                maxToolCalls = ReadCount(ref reader, "max_tool_calls");
            }
            else if (reader.ValueTextEquals("stream"u8))
            {
                stream = ReadBool(ref reader, "stream") ?? false;
            }
            else if (reader.ValueTextEquals("background"u8))
            {
                background = ReadBool(ref reader, "background") ?? false;
            }
            else if (reader.ValueTextEquals("service_tier"u8))
            {
                serviceTier = ReadString(ref reader, "service_tier");
            }
            else if (reader.ValueTextEquals("previous_response_id"u8))
            {
                previousResponseId = ReadString(ref reader, "previous_response_id");
            }
            else if (reader.ValueTextEquals("conversation"u8))
            {
                hasConversation = ReadConversation(ref reader);
            }
            else if (reader.ValueTextEquals("prompt"u8))
            {
                hasPrompt = ReadPrompt(ref reader, ref images);
            }
            else if (reader.ValueTextEquals("tools"u8))
            {
                ReadTools(ref reader, ref tools);
            }
            else if (reader.ValueTextEquals("text"u8))
            {
                hasTextFormat = ReadTextFormat(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // Anything after the object (or a truncated object) makes the body unreadable.
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            throw Malformed("the body is not a single JSON object");
        }

        if (string.IsNullOrEmpty(model) && !modelInPath)
        {
            throw Malformed("it has no \"model\"");
        }

        return new ResponsesRequest
        {
            Model = model ?? "",
            BodyBytes = body.Length,
            ServiceTier = serviceTier,
            Stream = stream,
            InputItemCount = input.Items,
            HasStringInput = input.IsString,
            HasServerSideItems = input.HasServerSideItems,
            HasInstructions = hasInstructions,
            ToolCount = tools.Count,
            HostedToolTypes = tools.Hosted ?? [],
            MaxToolCalls = maxToolCalls,
            HasTextFormat = hasTextFormat,
            MaxOutputTokens = maxOutputTokens,
            PreviousResponseId = previousResponseId,
            HasConversation = hasConversation,
            HasPrompt = hasPrompt,
            Background = background,
            Images = images,
        };
    }

    private static void ReadInput(ref Utf8JsonReader reader, ref InputCounts input, ref ImageInputs? images)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return;

            case JsonTokenType.String:
                input.Items = 1;
                input.IsString = true;
                return;

            case JsonTokenType.StartArray:
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        throw Malformed("every item of \"input\" must be an object");
                    }

                    input.Items++;
                    input.HasServerSideItems |= ReadItem(ref reader, ref images);
                }

                return;

            default:
                throw Malformed("\"input\" must be a string or an array of items");
        }
    }

    /// <summary>Reads one input item (messages, tool calls and their outputs, ...); whether its content is stored on the server.</summary>
    private static bool ReadItem(ref Utf8JsonReader reader, ref ImageInputs? images)
    {
        bool serverSide = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();

                // A reference or a reasoning item brings in what the server stored under its id (reasoning in an encrypted
                // form whose token count the body cannot prove): its tokens are billed but not visible here.
                serverSide |= reader.TokenType == JsonTokenType.String
                    && (reader.ValueTextEquals("item_reference"u8) || reader.ValueTextEquals("reasoning"u8) || reader.ValueTextEquals("compaction"u8));
                reader.Skip();
            }
            else if (reader.ValueTextEquals("content"u8) || reader.ValueTextEquals("output"u8))
            {
                // A message's content, or a tool output: a string, or parts that must all be text.
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    CheckParts(ref reader, ref images);
                }
                else
                {
                    CheckMedia(ref reader, ref images);
                }
            }
            else
            {
                reader.Read();
                CheckMedia(ref reader, ref images);
            }
        }

        return serverSide;
    }

    /// <summary>
    /// Content parts: text is bounded by its bytes, an image by its model's rule (its size read when it is inline);
    /// anything else is billed by rules of its own, or by none the guard knows.
    /// </summary>
    private static void CheckParts(ref Utf8JsonReader reader, ref ImageInputs? images)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            // Members may come in any order: an image is recorded once its whole part has been read.
            bool isImage = false, hasUrl = false;
            ImageInputs? image = null;
            var detail = ImageDetail.Auto;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        CheckMedia(ref reader, ref images);
                    }
                    else if (reader.ValueTextEquals("input_image"u8))
                    {
                        isImage = true;
                    }
                    else if (!IsTextPart(ref reader))
                    {
                        CheckMediaType(ref reader, ref images);
                        throw Unbounded($"it has a content part of type '{reader.GetString()}', which the guard cannot bound");
                    }
                }
                else if (reader.ValueTextEquals("image_url"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        image ??= new ImageInputs();
                        image.Add(ref reader, ImageDetail.Auto);
                        hasUrl = true;
                    }
                    else
                    {
                        CheckMedia(ref reader, ref images);
                    }
                }
                else if (reader.ValueTextEquals("detail"u8))
                {
                    reader.Read();
                    detail = ImageInputs.ReadDetail(ref reader);
                }
                else
                {
                    reader.Read();
                    CheckMedia(ref reader, ref images);
                }
            }

            if (isImage)
            {
                // An image by file id has no size the body shows: its family's worst case.
                images ??= new ImageInputs();
                images.AddFrom(hasUrl ? image : null, detail);
            }
        }
    }

    private static bool IsTextPart(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("input_text"u8) || reader.ValueTextEquals("output_text"u8) || reader.ValueTextEquals("refusal"u8)
        || reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("summary_text"u8) || reader.ValueTextEquals("reasoning_text"u8);

    /// <summary>Refuses media anywhere in the current value (a tool output, a prompt's variables): any object whose type is an image, a file or audio.</summary>
    private static void CheckMedia(ref Utf8JsonReader reader, ref ImageInputs? images)
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return;
        }

        int depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    CheckMediaType(ref reader, ref images);
                }
            }
        }
    }

    /// <summary>Refuses the current <c>type</c> value when it names media.</summary>
    private static void CheckMediaType(ref Utf8JsonReader reader, ref ImageInputs? images)
    {
        if (reader.ValueTextEquals("input_image"u8) || reader.ValueTextEquals("computer_screenshot"u8))
        {
            OnImage(ref images);
        }
        else if (reader.ValueTextEquals("input_file"u8))
        {
            throw Unbounded("it has a file input (input_file), whose tokens cannot be known before it is sent");
        }
        else if (reader.ValueTextEquals("input_audio"u8))
        {
            throw Unbounded("it has an audio input, which has no price in the table");
        }
    }

    /// <summary>
    /// An image met outside a content part (a <c>computer_screenshot</c>, an image in a tool output object or in a prompt's
    /// variables): bounded at its family's worst case. Its data stays in the text bound too, which only over-counts.
    /// </summary>
    private static void OnImage(ref ImageInputs? images)
    {
        images ??= new ImageInputs();
        images.AddUnknown(ImageDetail.Auto);
    }

    private static void ReadTools(ref Utf8JsonReader reader, ref ToolCounts tools)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Malformed("\"tools\" must be an array");
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw Malformed("every tool must be an object with a \"type\"");
            }

            string? type = null;
            bool typed = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        throw Malformed("every tool must be an object with a \"type\"");
                    }

                    typed = true;

                    // Function tools are the common case: no string for them.
                    type = reader.ValueTextEquals("function"u8) ? null : reader.GetString();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (!typed)
            {
                throw Malformed("every tool must be an object with a \"type\"");
            }

            tools.Count++;
            if (type is not null && HostedTools.IsHosted(type))
            {
                tools.Hosted ??= [];
                if (!tools.Hosted.Contains(type))
                {
                    tools.Hosted.Add(type);
                }
            }
        }
    }

    /// <summary><c>conversation</c>: an id, or an object with one; <see langword="null"/> or absent when there is none.</summary>
    private static bool ReadConversation(ref Utf8JsonReader reader)
    {
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return false;
            case JsonTokenType.String:
                return true;
            case JsonTokenType.StartObject:
                reader.Skip();
                return true;
            default:
                throw Malformed("\"conversation\" must be a conversation id or an object");
        }
    }

    /// <summary><c>prompt</c>: a stored template; its variables may hold media.</summary>
    private static bool ReadPrompt(ref Utf8JsonReader reader, ref ImageInputs? images)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return false;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Malformed("\"prompt\" must be an object");
        }

        CheckMedia(ref reader, ref images);
        return true;
    }

    /// <summary>Whether <c>text.format</c> is set.</summary>
    private static bool ReadTextFormat(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return false;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Malformed("\"text\" must be an object");
        }

        bool hasFormat = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isFormat = reader.ValueTextEquals("format"u8);
            reader.Read();
            hasFormat |= isFormat && reader.TokenType != JsonTokenType.Null;
            reader.Skip();
        }

        return hasFormat;
    }

    // The member readers and messages every endpoint shares, named for this one.
    private static string? ReadString(ref Utf8JsonReader reader, string name) => JsonRequestFields.ReadString(ref reader, ResponsesOperation.Api, name);

    private static bool? ReadBool(ref Utf8JsonReader reader, string name) => JsonRequestFields.ReadBool(ref reader, ResponsesOperation.Api, name);

    private static int? ReadCount(ref Utf8JsonReader reader, string name) => JsonRequestFields.ReadCount(ref reader, ResponsesOperation.Api, name);

    private static UnboundedRequestException Malformed(string reason, Exception? inner = null) => JsonRequestFields.Malformed(ResponsesOperation.Api, reason, inner);

    private static UnboundedRequestException Unbounded(string reason) => JsonRequestFields.Unbounded(ResponsesOperation.Api, reason);

    private struct InputCounts
    {
        public int Items;
        public bool IsString;
        public bool HasServerSideItems;
    }

    private struct ToolCounts
    {
        public int Count;
        public List<string>? Hosted;
    }
}
