using System.Net.Http.Headers;
using System.Net;
using System.Text.Json;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>The synthetic 402 of <see cref="BudgetRefusalMode.PaymentRequiredResponse"/>: an OpenAI-style error that SDKs surface and do not retry.</summary>
internal static class OpenAIPaymentRequired
{
    public const string ErrorCode = "budget_exceeded";

    public static HttpResponseMessage Create(HttpRequestMessage request, BudgetExceededException refusal)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new ErrorEnvelope(new Error(refusal.Message, ErrorCode, null, ErrorCode)), ErrorEnvelopeContext.Default.ErrorEnvelope);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return new HttpResponseMessage(HttpStatusCode.PaymentRequired)
        {
            Content = content,
            RequestMessage = request,
            ReasonPhrase = "Payment Required (AgentGuard budget exceeded)",
        };
    }
}

internal sealed record ErrorEnvelope(Error Error);

internal sealed record Error(string Message, string Type, string? Param, string Code);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)]
[System.Text.Json.Serialization.JsonSerializable(typeof(ErrorEnvelope))]
internal sealed partial class ErrorEnvelopeContext : System.Text.Json.Serialization.JsonSerializerContext;
