using System.Text.Json;

namespace AgentGuard.FakeOpenAI;

/// <summary>The state a response object is rendered in.</summary>
internal enum ResponseView
{
    /// <summary>A background response just created: status "queued", no output, no usage.</summary>
    Queued,

    /// <summary>Streaming has begun, or a background response is polled early: "in_progress", no output, no usage.</summary>
    InProgress,

    /// <summary>The terminal state: "completed", "incomplete" or "failed", with output and usage.</summary>
    Final,

    /// <summary>A cancelled background response: "cancelled", no output, no usage.</summary>
    Cancelled,
}

/// <summary>One SSE event of a Responses stream: its type (also the <c>event:</c> line) and its JSON.</summary>
internal sealed record ResponseEvent(string Type, byte[] Json);

/// <summary>Renders Responses API objects (<c>"object": "response"</c>) and stream events, in the shape the
/// official SDKs parse.</summary>
internal static class ResponsesJson
{
    public static byte[] Response(ResponseAnswer a, ResponseView view) => JsonRender.Render(w => WriteResponse(w, a, view));

    /// <summary>response.created, response.in_progress, per hosted tool call its item and progress events,
    /// the message item with its content part and text deltas, then the terminal event
    /// (response.completed, response.incomplete or response.failed) carrying the final response.</summary>
    public static List<ResponseEvent> Events(ResponseAnswer a)
    {
        var events = new List<ResponseEvent>();
        void Add(string type, Action<Utf8JsonWriter> write) => events.Add(new ResponseEvent(type, JsonRender.Render(w =>
        {
            w.WriteStartObject();
            w.WriteString("type", type);
            w.WriteNumber("sequence_number", events.Count);
            write(w);
            w.WriteEndObject();
        })));

        Add("response.created", w => WriteResponseProperty(w, a, ResponseView.InProgress));
        Add("response.in_progress", w => WriteResponseProperty(w, a, ResponseView.InProgress));
        var calls = a.Plan.ToolCalls;
        for (var i = 0; i < calls.Count; i++)
        {
            var (call, index) = (calls[i], i);
            var working = call.ItemType == "code_interpreter_call" ? "interpreting" : "searching";
            Add("response.output_item.added", w => WriteItemProperty(w, index, iw => WriteToolCall(iw, call, "in_progress")));
            foreach (var step in (string[])["in_progress", working, "completed"])
            {
                Add($"response.{call.ItemType}.{step}", w =>
                {
                    w.WriteNumber("output_index", index);
                    w.WriteString("item_id", call.Id);
                });
            }

            Add("response.output_item.done", w => WriteItemProperty(w, index, iw => WriteToolCall(iw, call, "completed")));
        }

        var messageIndex = calls.Count;
        Add("response.output_item.added", w => WriteItemProperty(w, messageIndex, iw => WriteMessage(iw, a, "in_progress", withContent: false)));
        Add("response.content_part.added", w =>
        {
            WritePartHeader(w, a, messageIndex);
            w.WritePropertyName("part");
            WriteOutputText(w, string.Empty);
        });
        foreach (var piece in JsonRender.SplitContent(a.Text))
        {
            Add("response.output_text.delta", w =>
            {
                WritePartHeader(w, a, messageIndex);
                JsonRender.WriteRawString(w, "delta", piece);
                WriteEmptyArray(w, "logprobs");
            });
        }

        Add("response.output_text.done", w =>
        {
            WritePartHeader(w, a, messageIndex);
            JsonRender.WriteRawString(w, "text", a.Text);
            WriteEmptyArray(w, "logprobs");
        });
        Add("response.content_part.done", w =>
        {
            WritePartHeader(w, a, messageIndex);
            w.WritePropertyName("part");
            WriteOutputText(w, a.Text);
        });
        Add("response.output_item.done", w => WriteItemProperty(w, messageIndex, iw => WriteMessage(iw, a, MessageStatus(a), withContent: true)));
        Add($"response.{a.Plan.Terminal}", w => WriteResponseProperty(w, a, ResponseView.Final));
        return events;
    }

    private static void WriteResponse(Utf8JsonWriter w, ResponseAnswer a, ResponseView view)
    {
        var request = a.Request;
        var final = view == ResponseView.Final;
        w.WriteStartObject();
        w.WriteString("id", a.Id);
        w.WriteString("object", "response");
        w.WriteNumber("created_at", a.CreatedAt);
        w.WriteString("status", view switch
        {
            ResponseView.Queued => "queued",
            ResponseView.InProgress => "in_progress",
            ResponseView.Cancelled => "cancelled",
            _ => a.Plan.Terminal,
        });
        w.WriteBoolean("background", request.Background);
        w.WritePropertyName("error");
        if (final && a.Plan.Terminal == FakeResponsesTerminal.Failed)
        {
            w.WriteStartObject();
            w.WriteString("code", "server_error");
            w.WriteString("message", "The fake failed this response (FakeBehavior.ResponsesTerminal = failed).");
            w.WriteEndObject();
        }
        else
        {
            w.WriteNullValue();
        }

        w.WritePropertyName("incomplete_details");
        if (final && a.Plan.Terminal == FakeResponsesTerminal.Incomplete)
        {
            w.WriteStartObject();
            w.WriteString("reason", "max_output_tokens");
            w.WriteEndObject();
        }
        else
        {
            w.WriteNullValue();
        }

        w.WriteString("instructions", request.Instructions);
        WriteNullableNumber(w, "max_output_tokens", request.MaxOutputTokens);
        WriteNullableNumber(w, "max_tool_calls", request.MaxToolCalls);
        w.WriteString("model", request.Model);
        w.WriteStartArray("output");
        if (final)
        {
            foreach (var call in a.Plan.ToolCalls)
            {
                WriteToolCall(w, call, "completed");
            }

            WriteMessage(w, a, MessageStatus(a), withContent: true);
        }

        w.WriteEndArray();
        w.WriteBoolean("parallel_tool_calls", request.ParallelToolCalls);
        w.WriteString("previous_response_id", request.PreviousResponseId);
        JsonRender.WriteRaw(w, "reasoning", request.Reasoning);
        w.WriteString("service_tier", a.Plan.Tier);
        w.WriteBoolean("store", request.Store);
        w.WriteNumber("temperature", request.Temperature);
        if (request.Text is { } text)
        {
            JsonRender.WriteRaw(w, "text", text);
        }
        else
        {
            w.WriteStartObject("text");
            w.WriteStartObject("format");
            w.WriteString("type", "text");
            w.WriteEndObject();
            w.WriteEndObject();
        }

        if (request.ToolChoice is { } choice)
        {
            JsonRender.WriteRaw(w, "tool_choice", choice);
        }
        else
        {
            w.WriteString("tool_choice", "auto");
        }

        if (request.Tools is { } tools)
        {
            JsonRender.WriteRaw(w, "tools", tools);
        }
        else
        {
            WriteEmptyArray(w, "tools");
        }

        w.WriteNumber("top_p", request.TopP);
        w.WriteString("truncation", "disabled");
        w.WritePropertyName("usage");
        if (final && a.ReportUsage)
        {
            WriteUsage(w, a.Plan);
        }
        else
        {
            w.WriteNullValue();
        }

        w.WriteNull("user");
        if (request.Metadata is { ValueKind: JsonValueKind.Object } metadata)
        {
            JsonRender.WriteRaw(w, "metadata", metadata);
        }
        else
        {
            w.WriteStartObject("metadata");
            w.WriteEndObject();
        }

        if (request.ConversationId is { } conversation)
        {
            w.WriteStartObject("conversation");
            w.WriteString("id", conversation);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteUsage(Utf8JsonWriter w, ResponsesPlan p)
    {
        w.WriteStartObject();
        w.WriteNumber("input_tokens", p.InputTokens);
        w.WriteStartObject("input_tokens_details");
        w.WriteNumber("cached_tokens", p.CachedTokens);
        w.WriteEndObject();
        w.WriteNumber("output_tokens", p.OutputTokens);
        w.WriteStartObject("output_tokens_details");
        w.WriteNumber("reasoning_tokens", p.ReasoningTokens);
        w.WriteEndObject();
        w.WriteNumber("total_tokens", (long)p.InputTokens + p.OutputTokens);
        w.WriteEndObject();
    }

    private static string MessageStatus(ResponseAnswer a) => a.Plan.Terminal == FakeResponsesTerminal.Completed ? "completed" : "incomplete";

    private static void WriteMessage(Utf8JsonWriter w, ResponseAnswer a, string status, bool withContent)
    {
        w.WriteStartObject();
        w.WriteString("id", a.MessageId);
        w.WriteString("type", "message");
        w.WriteString("status", status);
        w.WriteString("role", "assistant");
        w.WriteStartArray("content");
        if (withContent)
        {
            WriteOutputText(w, a.Text);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteOutputText(Utf8JsonWriter w, string text)
    {
        w.WriteStartObject();
        w.WriteString("type", "output_text");
        WriteEmptyArray(w, "annotations");
        WriteEmptyArray(w, "logprobs");
        JsonRender.WriteRawString(w, "text", text);
        w.WriteEndObject();
    }

    private static void WriteToolCall(Utf8JsonWriter w, HostedToolCall call, string status)
    {
        w.WriteStartObject();
        w.WriteString("id", call.Id);
        w.WriteString("type", call.ItemType);
        w.WriteString("status", status);
        switch (call.ItemType)
        {
            case "web_search_call":
                w.WriteStartObject("action");
                w.WriteString("type", "search");
                w.WriteString("query", "fake search");
                w.WriteEndObject();
                break;
            case "file_search_call":
                w.WriteStartArray("queries");
                w.WriteStringValue("fake search");
                w.WriteEndArray();
                w.WriteNull("results");
                break;
            default:
                w.WriteString("container_id", "cntr_fake");
                w.WriteString("code", "print('fake')");
                WriteEmptyArray(w, "outputs");
                break;
        }

        w.WriteEndObject();
    }

    private static void WriteResponseProperty(Utf8JsonWriter w, ResponseAnswer a, ResponseView view)
    {
        w.WritePropertyName("response");
        WriteResponse(w, a, view);
    }

    private static void WriteItemProperty(Utf8JsonWriter w, int outputIndex, Action<Utf8JsonWriter> writeItem)
    {
        w.WriteNumber("output_index", outputIndex);
        w.WritePropertyName("item");
        writeItem(w);
    }

    private static void WritePartHeader(Utf8JsonWriter w, ResponseAnswer a, int outputIndex)
    {
        w.WriteString("item_id", a.MessageId);
        w.WriteNumber("output_index", outputIndex);
        w.WriteNumber("content_index", 0);
    }

    private static void WriteEmptyArray(Utf8JsonWriter w, string name)
    {
        w.WriteStartArray(name);
        w.WriteEndArray();
    }

    private static void WriteNullableNumber(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
