using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace AgentGuard.FakeOpenAI;

/// <summary>The fake's own token truth: tiktoken encodings and the cookbook's chat framing.</summary>
public static class FakeTokenCounter
{
    public const int ReplyPriming = 3;
    public const int PerMessage = 3;
    public const int PerName = 1;
    public const int PerTool = 8;

    private static readonly Lazy<TiktokenTokenizer> O200k = new(() => TiktokenTokenizer.CreateForEncoding(FakePrices.O200kBase));
    private static readonly Lazy<TiktokenTokenizer> Cl100k = new(() => TiktokenTokenizer.CreateForEncoding(FakePrices.Cl100kBase));

    /// <summary>One cached, thread-safe tokenizer per encoding ("o200k_base" or "cl100k_base").</summary>
    public static Tokenizer ForEncoding(string encoding) => encoding switch
    {
        FakePrices.O200kBase => O200k.Value,
        FakePrices.Cl100kBase => Cl100k.Value,
        _ => throw new ArgumentException($"Unknown encoding '{encoding}'.", nameof(encoding)),
    };

    public static int CountTokens(string text, string encoding) =>
        string.IsNullOrEmpty(text) ? 0 : ForEncoding(encoding).CountTokens(text);

    /// <summary>prompt_tokens of a chat completions request body, with the encoding of its model: the text
    /// (<see cref="CountPromptTokens(JsonElement, string)"/>) plus its images, as billed with
    /// <see cref="FakeBehavior.Default"/>.</summary>
    public static int CountPromptTokens(string requestJson)
    {
        using var doc = JsonDocument.Parse(requestJson);
        var price = PriceOf(doc.RootElement, nameof(requestJson));
        var images = FakeImageTokens.CountChat(doc.RootElement, price, FakeBehavior.Default, out var error);
        return error is null
            ? CountPromptTokens(doc.RootElement, price.Encoding) + images
            : throw new ArgumentException(error.Message, nameof(requestJson));
    }

    /// <summary>The input tokens a Responses API request body shows: its text
    /// (<see cref="CountResponsesInput(JsonElement, string)"/>) plus its images, as billed with
    /// <see cref="FakeBehavior.Default"/>. Not included: a previous response, a conversation, hosted tool results.</summary>
    public static int CountResponsesInputTokens(string requestJson)
    {
        using var doc = JsonDocument.Parse(requestJson);
        var price = PriceOf(doc.RootElement, nameof(requestJson));
        var images = FakeImageTokens.CountResponses(doc.RootElement, price, FakeBehavior.Default, out var error);
        return error is null
            ? CountResponsesInput(doc.RootElement, price.Encoding) + images
            : throw new ArgumentException(error.Message, nameof(requestJson));
    }

    /// <summary>The text input of a Responses API request, framed like chat: 3 + instructions as a system
    /// message (3 + "system" + text) + per input message (3 + role + its text parts; a string input is one user
    /// message) + per other input item (3 + function_call name and arguments, function_call_output output,
    /// item_reference nothing, anything else its JSON text) + per tool (its JSON text + 8).</summary>
    public static int CountResponsesInput(JsonElement request, string encoding)
    {
        var tokenizer = ForEncoding(encoding);
        var total = ReplyPriming;
        if (request.TryGetProperty("instructions", out var instructions) && instructions.ValueKind == JsonValueKind.String)
        {
            total += PerMessage + Count(tokenizer, "system") + Count(tokenizer, instructions.GetString());
        }

        if (request.TryGetProperty("input", out var input))
        {
            if (input.ValueKind == JsonValueKind.String)
            {
                total += PerMessage + Count(tokenizer, "user") + Count(tokenizer, input.GetString());
            }
            else if (input.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in input.EnumerateArray())
                {
                    total += PerMessage + CountInputItem(item, tokenizer);
                }
            }
        }

        if (request.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array)
        {
            foreach (var tool in tools.EnumerateArray())
            {
                total += Count(tokenizer, tool.GetRawText()) + PerTool;
            }
        }

        return total;
    }

    /// <summary>3 + per message (3 + tokens of its strings + 1 for a name) + per tool (its JSON text + 8).</summary>
    public static int CountPromptTokens(JsonElement request, string encoding)
    {
        var tokenizer = ForEncoding(encoding);
        var total = ReplyPriming;
        if (request.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
        {
            foreach (var message in messages.EnumerateArray())
            {
                total += PerMessage + CountMessage(message, tokenizer);
            }
        }

        if (request.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array)
        {
            foreach (var tool in tools.EnumerateArray())
            {
                total += Count(tokenizer, tool.GetRawText()) + PerTool;
            }
        }

        return total;
    }

    /// <summary>Tokens of prediction.content (a string or text parts); 0 without a prediction.</summary>
    public static int CountPredictionTokens(JsonElement request, string encoding)
    {
        if (!request.TryGetProperty("prediction", out var prediction) || prediction.ValueKind != JsonValueKind.Object
            || !prediction.TryGetProperty("content", out var content))
        {
            return 0;
        }

        return CountContent(content, ForEncoding(encoding));
    }

    private static int CountMessage(JsonElement message, Tokenizer tokenizer)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            return 0;
        }

        var total = 0;
        foreach (var property in message.EnumerateObject())
        {
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.String)
            {
                total += Count(tokenizer, value.GetString());
                if (property.NameEquals("name"))
                {
                    total += PerName;
                }
            }
            else if (property.NameEquals("content"))
            {
                total += CountContent(value, tokenizer);
            }
            else if (property.NameEquals("tool_calls") && value.ValueKind == JsonValueKind.Array)
            {
                foreach (var call in value.EnumerateArray())
                {
                    if (call.ValueKind == JsonValueKind.Object && call.TryGetProperty("function", out var function))
                    {
                        total += CountFunction(function, tokenizer);
                    }
                }
            }
            else if (property.NameEquals("function_call"))
            {
                total += CountFunction(value, tokenizer);
            }
        }

        return total;
    }

    private static int CountContent(JsonElement content, Tokenizer tokenizer)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return Count(tokenizer, content.GetString());
        }

        var total = 0;
        if (content.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in content.EnumerateArray())
            {
                if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                {
                    total += Count(tokenizer, text.GetString());
                }
            }
        }

        return total;
    }

    private static int CountInputItem(JsonElement item, Tokenizer tokenizer)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            return Count(tokenizer, item.GetRawText());
        }

        var type = item.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (item.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String && type is null or "message")
        {
            var total = Count(tokenizer, role.GetString());
            if (item.TryGetProperty("content", out var content))
            {
                total += content.ValueKind == JsonValueKind.Array ? CountResponseParts(content, tokenizer) : CountContent(content, tokenizer);
            }

            return total;
        }

        return type switch
        {
            "function_call" => CountFunction(item, tokenizer),
            "function_call_output" => item.TryGetProperty("output", out var output)
                ? (output.ValueKind == JsonValueKind.Array ? CountResponseParts(output, tokenizer) : CountContent(output, tokenizer))
                : 0,
            "item_reference" => 0,
            _ => Count(tokenizer, item.GetRawText()),
        };
    }

    /// <summary>input_text / output_text parts count their text, refusal parts their refusal; images are
    /// counted apart; files are not counted.</summary>
    private static int CountResponseParts(JsonElement parts, Tokenizer tokenizer)
    {
        var total = 0;
        foreach (var part in parts.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var name in (ReadOnlySpan<string>)["text", "refusal"])
            {
                if (part.TryGetProperty(name, out var text) && text.ValueKind == JsonValueKind.String)
                {
                    total += Count(tokenizer, text.GetString());
                }
            }
        }

        return total;
    }

    private static FakeModelPrice PriceOf(JsonElement request, string paramName)
    {
        var model = request.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String
            ? m.GetString()!
            : throw new ArgumentException("The request has no model.", paramName);
        return FakePrices.Resolve(model);
    }

    private static int CountFunction(JsonElement function, Tokenizer tokenizer)
    {
        if (function.ValueKind != JsonValueKind.Object)
        {
            return 0;
        }

        var total = 0;
        foreach (var name in (ReadOnlySpan<string>)["name", "arguments"])
        {
            if (function.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
            {
                total += Count(tokenizer, value.GetString());
            }
        }

        return total;
    }

    private static int Count(Tokenizer tokenizer, string? text) => string.IsNullOrEmpty(text) ? 0 : tokenizer.CountTokens(text);
}
