using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AgentGuard.FakeOpenAI;

/// <summary>An answer with the OpenAI error body <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal sealed record OpenAIError(int Status, string Message, string Type = "invalid_request_error", string? Param = null, string? Code = null)
{
    public static OpenAIError Invalid(string message, string? param = null, string? code = null) => new(400, message, Param: param, Code: code);

    public static OpenAIError RateLimited() => new(
        429, "Rate limit reached for requests (fake). Please try again later.", "requests", Code: "rate_limit_exceeded");

    public static OpenAIError ServerError() => new(
        500, "The server had an error while processing your request. Sorry about that! (fake)", "server_error");

    public static OpenAIError ModelNotFound(string model) => new(
        404, $"The model `{model}` does not exist or you do not have access to it.", Code: "model_not_found");

    public static OpenAIError NotFound(HttpRequest request) => new(
        404, $"Invalid URL ({request.Method} {request.Path})");

    public byte[] ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("message", Message);
            writer.WriteString("type", Type);
            writer.WriteString("param", Param);
            writer.WriteString("code", Code);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    public async Task WriteAsync(HttpResponse response, CancellationToken ct)
    {
        var body = ToJson();
        response.StatusCode = Status;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, ct).ConfigureAwait(false);
    }
}
