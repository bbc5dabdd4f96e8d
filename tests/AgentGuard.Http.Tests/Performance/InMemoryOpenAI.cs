using System.Text;
using AgentGuard.FakeOpenAI;

namespace AgentGuard.Http.Tests.Performance;

/// <summary>
/// Chat streams for <see cref="InMemoryOpenAIHandler"/>, which answers at once with a canned event stream handed out
/// one event per read, synchronously, so that everything a read does happens on the caller's thread (where
/// allocations can be counted exactly).
/// </summary>
internal static class InMemoryOpenAI
{
    public const string Model = "gpt-4o-mini";

    /// <summary>A stream as OpenAI sends it: a role chunk, content chunks, the usage chunk, [DONE].</summary>
    public static string EventStream(int contentEvents, string? usageChunk = null)
    {
        const string Head = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",";
        var text = new StringBuilder();
        text.Append(Head).Append("\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\n");
        for (int i = 0; i < contentEvents; i++)
        {
            text.Append(Head).Append("\"choices\":[{\"index\":0,\"delta\":{\"content\":\" word\"},\"finish_reason\":null}],\"usage\":null}\n\n");
        }

        text.Append(usageChunk ?? Head + "\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":" + contentEvents + ",\"total_tokens\":" + (10 + contentEvents) + "}}\n\n");
        return text.Append("data: [DONE]\n\n").ToString();
    }

    public static string StreamingBody(bool includeUsage = true) =>
        "{\"model\":\"" + Model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":100,\"stream\":true"
        + (includeUsage ? ",\"stream_options\":{\"include_usage\":true}" : string.Empty) + "}";

    /// <summary>A guarded invoker over this handler, and its budget.</summary>
    public static (HttpMessageInvoker Invoker, BudgetedSession Session) Guarded(string sse)
    {
        var options = new AgentGuardOptions { BudgetUsd = 1_000m, BudgetName = "performance" };
        var session = BudgetedSession.Create(options);
        return (new HttpMessageInvoker(new BudgetGuardHandler(session, options) { InnerHandler = InMemoryOpenAIHandler.EventStream(sse) }), session);
    }

    public static HttpRequestMessage Request(string body) => new(HttpMethod.Post, "https://api.openai.com/v1/chat/completions")
    {
        Content = new StringContent(body, Encoding.UTF8, "application/json"),
    };
}
