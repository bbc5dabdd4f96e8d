using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AgentGuard.FakeOpenAI;

/// <summary>An answer with the OpenAI error body <c>{"error":{"message","type","param","code"}}</c>, or
/// with Azure's <c>{"error":{"code","message"}}</c> when <see cref="AzureShape"/>.</summary>
internal sealed record OpenAIError(
    int Status, string Message, string Type = "invalid_request_error", string? Param = null, string? Code = null, bool AzureShape = false)
{
    public static OpenAIError Invalid(string message, string? param = null, string? code = null) => new(400, message, Param: param, Code: code);

    public static OpenAIError RateLimited() => new(
        429, "Rate limit reached for requests (fake). Please try again later.", "requests", Code: "rate_limit_exceeded");

    public static OpenAIError InsufficientQuota() => new(
        429, "You exceeded your current quota, please check your plan and billing details. (fake)", "insufficient_quota", Code: "insufficient_quota");

    public static OpenAIError BillingHardLimit() => new(
        400, "Billing hard limit has been reached (fake).", "invalid_request_error", Code: "billing_hard_limit_reached");

    public static OpenAIError ServerError() => new(
        500, "The server had an error while processing your request. Sorry about that! (fake)", "server_error");

    public static OpenAIError ModelNotFound(string model) => new(
        404, $"The model `{model}` does not exist or you do not have access to it.", Code: "model_not_found");

    /// <summary>A known model on the wrong endpoint (a chat model on /v1/completions, ...): OpenAI's 404 without a code.</summary>
    public static OpenAIError WrongEndpoint(string model, string endpoint) => new(
        404, $"The model `{model}` is not supported in the v1/{endpoint} endpoint (fake).", Param: "model");

    public static OpenAIError NotFound(HttpRequest request) => new(
        404, $"Invalid URL ({request.Method} {request.Path})");

    public static OpenAIError InvalidJson() => Invalid(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)");

    public static OpenAIError MissingModel() => Invalid("you must provide a model parameter", "model", "missing_required_parameter");

    public static OpenAIError Misconfigured(string message) => new(500, $"Fake misconfigured: {message}", "server_error");

    public static OpenAIError DeploymentNotFound(string deployment) => new(
        404,
        $"The API deployment for this resource does not exist. If you created the deployment '{deployment}' within the last 5 minutes, please wait a moment and try again.",
        Code: "DeploymentNotFound",
        AzureShape: true);

    public static OpenAIError MissingApiVersion() => new(
        400, "Missing required query parameter 'api-version' (fake Azure OpenAI).", Code: "BadRequest", AzureShape: true);

    public byte[] ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            if (AzureShape)
            {
                writer.WriteString("code", Code);
                writer.WriteString("message", Message);
            }
            else
            {
                writer.WriteString("message", Message);
                writer.WriteString("type", Type);
                writer.WriteString("param", Param);
                writer.WriteString("code", Code);
            }

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
