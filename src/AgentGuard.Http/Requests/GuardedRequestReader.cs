using System.Text.Unicode;
using AgentGuard.Http.Providers;

namespace AgentGuard.Http.Requests;

/// <summary>Reads a request body with the reader of its operation.</summary>
internal static class GuardedRequestReader
{
    /// <param name="operation">The operation the request goes to.</param>
    /// <param name="body">The request body.</param>
    /// <param name="modelInPath">Whether the path names the model or deployment, so that the body may leave out <c>model</c>.</param>
    /// <exception cref="UnboundedRequestException">The body cannot be read or holds what cannot be bounded.</exception>
    public static GuardedRequest Read(LlmOperation operation, ReadOnlySpan<byte> body, bool modelInPath = false)
    {
        // Byte bounds hold for UTF-8 only: Utf8JsonReader does not check string contents, and a server that decodes an
        // invalid byte as U+FFFD reads three bytes where the bound counted one. One vectorized pass over the body.
        if (!Utf8.IsValid(body))
        {
            throw JsonRequestFields.Malformed(operation.DisplayName, "the body is not valid UTF-8");
        }

        return operation.Read(body, modelInPath);
    }
}
