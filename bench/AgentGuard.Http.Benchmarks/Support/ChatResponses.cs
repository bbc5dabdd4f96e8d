using System.Text;

namespace AgentGuard.Http.Benchmarks.Support;

/// <summary>Canned Chat Completions answers with usage, as OpenAI sends them.</summary>
public static class ChatResponses
{
    private const string Id = "chatcmpl-BENCH0123456789abcdefghijklmnop";

    /// <summary>A non-streamed completion (about 700 bytes).</summary>
    public static byte[] Json { get; } = Encoding.UTF8.GetBytes(
        "{\"id\":\"" + Id + "\",\"object\":\"chat.completion\",\"created\":1767225600,\"model\":\"gpt-4o-mini-2024-07-18\","
        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"All 14 orders were delivered on time; "
        + "two items are out of stock and can be reordered from the supplier this week.\",\"refusal\":null,\"annotations\":[]},"
        + "\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":24,"
        + "\"total_tokens\":1024,\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},\"completion_tokens_details\":"
        + "{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}},"
        + "\"service_tier\":\"default\",\"system_fingerprint\":\"fp_bench\"}");

    /// <summary>
    /// An event stream: a role chunk, <paramref name="contentEvents"/> content chunks of a few tokens, a finish chunk,
    /// the usage chunk (<c>"choices": []</c>) and <c>[DONE]</c>, each event as its own <c>data:</c> line.
    /// </summary>
    public static byte[] Sse(int contentEvents) => Encoding.UTF8.GetBytes(SseText(contentEvents));

    private static string SseText(int contentEvents)
    {
        const string Head = "data: {\"id\":\"" + Id + "\",\"object\":\"chat.completion.chunk\",\"created\":1767225600,"
            + "\"model\":\"gpt-4o-mini-2024-07-18\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_bench\",";
        var text = new StringBuilder();
        text.Append(Head).Append("\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},")
            .Append("\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n");
        for (int i = 0; i < contentEvents; i++)
        {
            text.Append(Head).Append("\"choices\":[{\"index\":0,\"delta\":{\"content\":\" orders were delivered\"},")
                .Append("\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n");
        }

        text.Append(Head).Append("\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null}\n\n");
        text.Append(Head).Append("\"choices\":[],\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":")
            .Append(contentEvents * 3).Append(",\"total_tokens\":").Append(1000 + (contentEvents * 3))
            .Append(",\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},\"completion_tokens_details\":")
            .Append("{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}\n\n");
        text.Append("data: [DONE]\n\n");
        return text.ToString();
    }
}
