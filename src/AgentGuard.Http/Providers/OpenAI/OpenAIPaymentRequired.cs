using System.Net.Http.Headers;
using System.Net;
using System.Text.Json;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// The synthetic 402 of <see cref="BudgetRefusalMode.PaymentRequiredResponse"/>: an OpenAI-style error that SDKs surface
/// (<c>HTTP 402 (agentguard: budget_exceeded)</c>) and do not retry (<c>x-should-retry: false</c>).
/// </summary>
internal static class OpenAIPaymentRequired
{
    /// <summary>The error type: says who answered, beside the code that says why.</summary>
    public const string ErrorType = "agentguard";

    public static HttpResponseMessage Create(HttpRequestMessage request, AgentGuardException refusal, string code)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new ErrorEnvelope(new Error(refusal.Message, ErrorType, null, code)), ErrorEnvelopeContext.Default.ErrorEnvelope);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        var response = new HttpResponseMessage(HttpStatusCode.PaymentRequired)
        {
            Content = content,
            RequestMessage = request,
            ReasonPhrase = "Payment Required (AgentGuard: " + code + ")",
        };
        response.Headers.TryAddWithoutValidation("x-should-retry", "false");
        return response;
    }
}

internal sealed record ErrorEnvelope(Error Error);

internal sealed record Error(string Message, string Type, string? Param, string Code);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)]
[System.Text.Json.Serialization.JsonSerializable(typeof(ErrorEnvelope))]
internal sealed partial class ErrorEnvelopeContext : System.Text.Json.Serialization.JsonSerializerContext;
