using System.Text.Json;
using AgentGuard.Http.Estimation;
using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// Reads a Chat Completions request body in one forward pass with <see cref="Utf8JsonReader"/>:
/// no text is copied, so the cost is one scan of the body. Image parts are recorded with their size when inline
/// (<see cref="ImageInputs"/>); a request for audio output is recorded (<see cref="ChatCompletionRequest.AudioOutput"/>)
/// and priced only where the model has an audio output price; anything the guard cannot bound (audio inputs, references
/// to earlier audio, file parts) or cannot read is refused with an <see cref="UnboundedRequestException"/>.
/// </summary>
internal static class ChatCompletionRequestReader
{
    /// <param name="body">The request body.</param>
    /// <param name="modelInPath">Whether the path names the deployment (Azure), so that the body may leave out <c>model</c>.</param>
    public static ChatCompletionRequest Read(ReadOnlySpan<byte> body, bool modelInPath = false) =>
        JsonRequestFields.ReadBody(body, modelInPath, ChatCompletionsOperation.Api, ReadCore);

    private static ChatCompletionRequest ReadCore(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, bool modelInPath)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw Malformed("the body is not a JSON object");
        }

        string? model = null;
        string? serviceTier = null;
        int messages = 0, names = 0, tools = 0, choices = 1, predictionBytes = 0;
        int? maxCompletionTokens = null, maxTokens = null;
        bool stream = false, hasMessages = false, hasResponseFormat = false, hasStreamOptions = false, audioOutput = false;
        bool? includeUsage = null;
        ImageInputs? images = null;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                model = ReadString(ref reader, "model");
            }
            else if (reader.ValueTextEquals("messages"u8))
            {
                Expect(ref reader, JsonTokenType.StartArray, "messages", "an array");
                hasMessages = true;
                ReadMessages(ref reader, ref messages, ref names, ref images);
            }
            else if (reader.ValueTextEquals("n"u8))
            {
                choices = ReadCount(ref reader, "n") ?? 1;
                if (choices < 1)
                {
                    throw Malformed("\"n\" must be at least 1");
                }
            }
            else if (reader.ValueTextEquals("max_completion_tokens"u8))
            {
                maxCompletionTokens = ReadCount(ref reader, "max_completion_tokens");
            }
            else if (reader.ValueTextEquals("max_tokens"u8))
            {
                maxTokens = ReadCount(ref reader, "max_tokens");
            }
            else if (reader.ValueTextEquals("stream"u8))
            {
                stream = ReadBool(ref reader, "stream") ?? false;
            }
            else if (reader.ValueTextEquals("stream_options"u8))
            {
                includeUsage = JsonRequestFields.ReadIncludeUsage(ref reader, ChatCompletionsOperation.Api);
                hasStreamOptions = true;
            }
            else if (reader.ValueTextEquals("service_tier"u8))
            {
                serviceTier = ReadString(ref reader, "service_tier");
            }
            else if (reader.ValueTextEquals("tools"u8) || reader.ValueTextEquals("functions"u8))
            {
                tools += CountArrayItems(ref reader);
            }
            else if (reader.ValueTextEquals("response_format"u8))
            {
                reader.Read();
                hasResponseFormat = reader.TokenType != JsonTokenType.Null;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("prediction"u8))
            {
                reader.Read();
                long start = reader.TokenStartIndex;
                reader.Skip();
                predictionBytes = checked((int)(reader.BytesConsumed - start));
            }
            else if (reader.ValueTextEquals("audio"u8) || reader.ValueTextEquals("modalities"u8))
            {
                // Any non-null "audio", or "modalities" that is not an array without "audio", asks for audio output:
                // the estimator prices it at the model's audio output rate, or refuses it.
                reader.Read();
                bool present = reader.TokenType != JsonTokenType.Null;
                audioOutput |= present && (reader.TokenType != JsonTokenType.StartArray || ArrayContainsAudio(ref reader));
                reader.Skip();
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

        if (!hasMessages)
        {
            throw Malformed("it has no \"messages\"");
        }

        return new ChatCompletionRequest
        {
            Model = model ?? "",
            BodyBytes = body.Length,
            Images = images,
            MessageCount = messages,
            NameCount = names,
            ToolCount = tools,
            HasResponseFormat = hasResponseFormat,
            Choices = choices,
            MaxCompletionTokens = maxCompletionTokens,
            MaxTokens = maxTokens,
            PredictionBytes = predictionBytes,
            AudioOutput = audioOutput,
            Stream = stream,
            HasStreamOptions = hasStreamOptions,
            IncludeUsage = includeUsage,
            ServiceTier = serviceTier,
        };
    }

    private static void ReadMessages(ref Utf8JsonReader reader, ref int messages, ref int names, ref ImageInputs? images)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw Malformed("every item of \"messages\" must be an object");
            }

            messages++;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("name"u8))
                {
                    names++;
                    reader.Read();
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("content"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        ReadContentParts(ref reader, ref images);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("audio"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Null)
                    {
                        throw Unbounded("an assistant message refers to an earlier audio response (\"audio\": {\"id\": ...}), " +
                            "whose audio tokens are billed as input but cannot be counted from the body");
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
    }

    // Text parts are bounded by their bytes, images by their model's rule; audio inputs and files have no bound here.
    private static void ReadContentParts(ref Utf8JsonReader reader, ref ImageInputs? images)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            // Members may come in any order: the image is recorded once the whole part has been read.
            string? unsupported = null;
            bool isImage = false, hasImage = false;
            ImageInputs? image = null;
            var detail = ImageDetail.Auto;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("image_url"u8))
                    {
                        isImage = true;
                    }
                    else if (reader.TokenType == JsonTokenType.String && !reader.ValueTextEquals("text"u8) && !reader.ValueTextEquals("refusal"u8))
                    {
                        unsupported = reader.GetString();
                    }
                }
                else if (reader.ValueTextEquals("image_url"u8))
                {
                    reader.Read();
                    image ??= new ImageInputs();
                    hasImage = ReadImageUrl(ref reader, image, ref detail);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (unsupported is not null)
            {
                throw Unbounded(unsupported switch
                {
                    "input_audio" => "it has an audio input (input_audio), whose audio tokens cannot be known before it is sent " +
                        "without decoding the audio's duration",
                    "file" => "it has a file input, whose tokens cannot be known before it is sent",
                    _ => $"it has a content part of type '{unsupported}', which the guard cannot bound",
                });
            }

            if (isImage)
            {
                images ??= new ImageInputs();
                images.AddFrom(hasImage ? image : null, detail);
            }
        }
    }

    /// <summary>Reads <c>image_url</c>: an object with <c>url</c> and <c>detail</c>, or (leniently) the URL itself.</summary>
    private static bool ReadImageUrl(ref Utf8JsonReader reader, ImageInputs image, ref ImageDetail detail)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            image.Add(ref reader, ImageDetail.Auto);
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return false;
        }

        bool found = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("url"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    image.Add(ref reader, ImageDetail.Auto);
                    found = true;
                }
                else
                {
                    reader.Skip();
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
                reader.Skip();
            }
        }

        return found;
    }

    private static bool ArrayContainsAudio(ref Utf8JsonReader reader)
    {
        // Looks ahead on a copy: the caller skips the array afterwards.
        var copy = reader;
        while (copy.Read() && copy.TokenType != JsonTokenType.EndArray)
        {
            if (copy.TokenType == JsonTokenType.String && copy.ValueTextEquals("audio"u8))
            {
                return true;
            }
        }

        return false;
    }

    private static int CountArrayItems(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return 0;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Malformed("\"tools\" and \"functions\" must be arrays");
        }

        int count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            count++;
            reader.Skip();
        }

        return count;
    }

    // The member readers and messages every endpoint shares, named for this one.
    private static string? ReadString(ref Utf8JsonReader reader, string name) => JsonRequestFields.ReadString(ref reader, ChatCompletionsOperation.Api, name);

    private static bool? ReadBool(ref Utf8JsonReader reader, string name) => JsonRequestFields.ReadBool(ref reader, ChatCompletionsOperation.Api, name);

    private static int? ReadCount(ref Utf8JsonReader reader, string name) => JsonRequestFields.ReadCount(ref reader, ChatCompletionsOperation.Api, name);

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string name, string what)
    {
        reader.Read();
        if (reader.TokenType != type)
        {
            throw Malformed($"\"{name}\" must be {what}");
        }
    }

    private static UnboundedRequestException Malformed(string reason, Exception? inner = null) => JsonRequestFields.Malformed(ChatCompletionsOperation.Api, reason, inner);

    private static UnboundedRequestException Unbounded(string reason) => JsonRequestFields.Unbounded(ChatCompletionsOperation.Api, reason);
}
