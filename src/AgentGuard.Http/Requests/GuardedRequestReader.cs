using System.Text.Unicode;
using AgentGuard.Http.Endpoints;

namespace AgentGuard.Http.Requests;

/// <summary>Reads a request body with the reader of its endpoint.</summary>
internal static class GuardedRequestReader
{
    /// <param name="endpoint">The endpoint the request goes to.</param>
    /// <param name="body">The request body.</param>
    /// <param name="modelInPath">Whether the path names the deployment (Azure), so that the body may leave out <c>model</c>.</param>
    /// <exception cref="UnboundedRequestException">The body cannot be read or holds what cannot be bounded.</exception>
    public static GuardedRequest Read(OpenAIEndpoint endpoint, ReadOnlySpan<byte> body, bool modelInPath = false)
    {
        // Byte bounds hold for UTF-8 only: Utf8JsonReader does not check string contents, and a server that decodes an
        // invalid byte as U+FFFD reads three bytes where the bound counted one. One vectorized pass over the body.
        if (!Utf8.IsValid(body))
        {
            throw JsonRequestFields.Malformed(endpoint, "the body is not valid UTF-8");
        }

        return ReadValid(endpoint, body, modelInPath);
    }

    private static GuardedRequest ReadValid(OpenAIEndpoint endpoint, ReadOnlySpan<byte> body, bool modelInPath) => endpoint switch
    {
        OpenAIEndpoint.ChatCompletions => ChatCompletionRequestReader.Read(body, modelInPath),
        OpenAIEndpoint.Responses => ResponsesRequestReader.Read(body, modelInPath),
        OpenAIEndpoint.Embeddings => EmbeddingsRequestReader.Read(body, modelInPath),
        OpenAIEndpoint.Completions => CompletionsRequestReader.Read(body, modelInPath),
        _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
    };
}
