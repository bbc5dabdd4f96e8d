using System.Text.Unicode;
using AgentGuard.Http.Endpoints;

namespace AgentGuard.Http.Requests;

/// <summary>Reads a request body with the reader of its endpoint.</summary>
internal static class GuardedRequestReader
{
    /// <exception cref="UnboundedRequestException">The body cannot be read or holds what cannot be bounded.</exception>
    public static GuardedRequest Read(OpenAIEndpoint endpoint, ReadOnlySpan<byte> body)
    {
        // Byte bounds hold for UTF-8 only: Utf8JsonReader does not check string contents, and a server that decodes an
        // invalid byte as U+FFFD reads three bytes where the bound counted one. One vectorized pass over the body.
        if (!Utf8.IsValid(body))
        {
            throw JsonRequestFields.Malformed(endpoint, "the body is not valid UTF-8");
        }

        return ReadValid(endpoint, body);
    }

    private static GuardedRequest ReadValid(OpenAIEndpoint endpoint, ReadOnlySpan<byte> body) => endpoint switch
    {
        OpenAIEndpoint.ChatCompletions => ChatCompletionRequestReader.Read(body),
        OpenAIEndpoint.Responses => ResponsesRequestReader.Read(body),
        OpenAIEndpoint.Embeddings => EmbeddingsRequestReader.Read(body),
        OpenAIEndpoint.Completions => CompletionsRequestReader.Read(body),
        _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
    };
}
