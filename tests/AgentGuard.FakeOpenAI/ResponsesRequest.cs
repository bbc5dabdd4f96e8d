using System.Text.Json;
using static AgentGuard.FakeOpenAI.JsonFields;

namespace AgentGuard.FakeOpenAI;

/// <summary>The parts of a Responses API request that decide the answer and the bill. Raw JSON values
/// (cloned) are echoed in the response object. InputTokens is the visible text input; images apart.</summary>
internal sealed record ResponsesRequest(
    ResolvedModel Resolved,
    bool Stream,
    bool Background,
    bool Store,
    string? ServiceTier,
    int? MaxOutputTokens,
    int? MaxToolCalls,
    string? PreviousResponseId,
    string? ConversationId,
    string? Instructions,
    IReadOnlyList<string> HostedTools,
    bool ToolChoiceNone,
    int InputTokens,
    int ImageTokens,
    JsonElement? Tools,
    JsonElement? Reasoning,
    JsonElement? Text,
    JsonElement? Metadata,
    JsonElement? ToolChoice,
    double Temperature,
    double TopP,
    bool ParallelToolCalls)
{
    public string Model => Resolved.Model;

    public FakeModelPrice Price => Resolved.Price;

    /// <summary>Whether a tool type is a hosted tool the fake simulates calls of.</summary>
    public static bool IsHostedTool(string type) =>
        type.StartsWith("web_search", StringComparison.Ordinal) || type is "file_search" or "code_interpreter";

    public static ResponsesRequest? Parse(string body, FakeRoute route, FakeBehavior behavior, out OpenAIError? error)
    {
        using var doc = ParseObject(body, out error);
        return doc is null ? null : Parse(doc.RootElement, route, behavior, out error);
    }

    private static ResponsesRequest? Parse(JsonElement root, FakeRoute route, FakeBehavior behavior, out OpenAIError? error)
    {
        error = null;
        if (route.NeedsBodyModel && (!root.TryGetProperty("model", out var modelElement) || modelElement.ValueKind != JsonValueKind.String))
        {
            error = OpenAIError.MissingModel();
            return null;
        }

        if (root.TryGetProperty("input", out var input) && input.ValueKind is not (JsonValueKind.String or JsonValueKind.Array or JsonValueKind.Null))
        {
            error = OpenAIError.Invalid("Invalid 'input': expected a string or an array of input items.", "input", "invalid_type");
            return null;
        }

        if (input.ValueKind == JsonValueKind.Array && input.EnumerateArray().Any(i => i.ValueKind != JsonValueKind.Object))
        {
            error = OpenAIError.Invalid("Invalid 'input': every input item must be an object.", "input", "invalid_type");
            return null;
        }

        int? maxOutput = null, maxToolCalls = null;
        bool? stream = null, background = null, store = null, parallel = null;
        string? tier = null, previous = null, instructions = null;
        if (!TryInt(root, "max_output_tokens", 16, int.MaxValue, ref maxOutput, ref error)
            || !TryInt(root, "max_tool_calls", 0, int.MaxValue, ref maxToolCalls, ref error)
            || !TryBool(root, "stream", ref stream, ref error)
            || !TryBool(root, "background", ref background, ref error)
            || !TryBool(root, "store", ref store, ref error)
            || !TryBool(root, "parallel_tool_calls", ref parallel, ref error)
            || !TryString(root, "service_tier", ref tier, ref error)
            || !TryString(root, "previous_response_id", ref previous, ref error)
            || !TryString(root, "instructions", ref instructions, ref error)
            || !TryKind(root, "tools", JsonValueKind.Array, ref error)
            || !TryKind(root, "reasoning", JsonValueKind.Object, ref error))
        {
            return null;
        }

        if (!TryConversation(root, out var conversation, ref error))
        {
            return null;
        }

        if (conversation is not null && previous is not null)
        {
            error = OpenAIError.Invalid("'previous_response_id' and 'conversation' cannot be used together.", "conversation", "invalid_value");
            return null;
        }

        if (background == true && store == false)
        {
            error = OpenAIError.Invalid("Background responses must be stored: 'background' needs 'store' true.", "background", "invalid_value");
            return null;
        }

        var hosted = new List<string>();
        if (root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array)
        {
            foreach (var tool in tools.EnumerateArray())
            {
                if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                {
                    error = OpenAIError.Invalid("Invalid 'tools': every tool must be an object with a 'type'.", "tools", "invalid_type");
                    return null;
                }

                if (IsHostedTool(type.GetString()!))
                {
                    hosted.Add(type.GetString()!);
                }
            }
        }

        if (route.Resolve(root, behavior, FakeModelKind.Chat, "responses", out error) is not { } resolved)
        {
            return null;
        }

        if (!TryTier(tier, resolved.Price, resolved.Model, ref error))
        {
            return null;
        }

        var images = FakeImageTokens.CountResponses(root, resolved.Price, behavior, out error);
        if (error is not null)
        {
            return null;
        }

        var toolChoice = Raw(root, "tool_choice");
        return new ResponsesRequest(
            resolved,
            stream ?? false,
            background ?? false,
            store ?? true,
            tier,
            maxOutput,
            maxToolCalls,
            previous,
            conversation,
            instructions,
            hosted,
            toolChoice is { ValueKind: JsonValueKind.String } choice && choice.ValueEquals("none"),
            FakeTokenCounter.CountResponsesInput(root, resolved.Price.Encoding),
            images,
            Raw(root, "tools"),
            Raw(root, "reasoning"),
            Raw(root, "text"),
            Raw(root, "metadata"),
            toolChoice,
            Number(root, "temperature"),
            Number(root, "top_p"),
            parallel ?? true);
    }

    /// <summary>conversation: an id string or <c>{"id": ...}</c>.</summary>
    private static bool TryConversation(JsonElement root, out string? id, ref OpenAIError? error)
    {
        id = null;
        if (!root.TryGetProperty("conversation", out var conversation) || conversation.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (conversation.ValueKind == JsonValueKind.String)
        {
            id = conversation.GetString();
        }
        else if (conversation.ValueKind == JsonValueKind.Object && conversation.TryGetProperty("id", out var inner) && inner.ValueKind == JsonValueKind.String)
        {
            id = inner.GetString();
        }

        if (string.IsNullOrEmpty(id))
        {
            error = OpenAIError.Invalid("Invalid 'conversation': expected a conversation id or an object with an 'id'.", "conversation", "invalid_type");
            return false;
        }

        return true;
    }

    private static JsonElement? Raw(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.Clone() : null;

    private static double Number(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : 1.0;
}
