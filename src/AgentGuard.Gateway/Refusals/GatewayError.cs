using System.Net;
using System.Text.Json;
using AgentGuard.Http;

namespace AgentGuard.Gateway.Refusals;

/// <summary>
/// An error the gateway answers itself, in the error shape of the route's provider, so each provider's SDK reads it as it
/// reads that provider's own errors (its message, its status, its code) and does not retry it (<c>x-should-retry: false</c>).
/// Every refusal is one of these: none may reach a client as an empty 502 or 504 from the forwarder.
/// </summary>
internal sealed record GatewayError(HttpStatusCode Status, string Code, string Message)
{
    /// <summary>Says who answered, beside the code that says why (the library's 402 uses the same type).</summary>
    public const string ErrorType = "agentguard";

    /// <summary>The refusal a guard's exception stands for.</summary>
    public static GatewayError From(AgentGuardException refusal) => refusal switch
    {
        BudgetExceededException => new(HttpStatusCode.PaymentRequired, "budget_exceeded", refusal.Message),
        UnboundedRequestException { Reason: UnboundedRequestReason.BodyTooLarge } => new(HttpStatusCode.RequestEntityTooLarge, "request_too_large", refusal.Message),
        UnboundedRequestException => new(HttpStatusCode.BadRequest, "unbounded_request", refusal.Message),
        UnknownModelPriceException => new(HttpStatusCode.BadRequest, "unknown_model_price", refusal.Message),
        BudgetLedgerUnavailableException => new(HttpStatusCode.ServiceUnavailable, "ledger_unavailable", refusal.Message),
        ProviderSpendLimitException limit => new((HttpStatusCode)limit.StatusCode, limit.Code, refusal.Message),
        _ => new(HttpStatusCode.BadRequest, "refused", refusal.Message),
    };

    public static GatewayError UnknownKey(string route) => new(HttpStatusCode.Unauthorized, "invalid_gateway_key",
        $"This AgentGuard gateway did not recognize the key of this call. Send a gateway key (Gateway:Keys) as the SDK's API key, with the base URL of the route (/{route}/...).");

    public static GatewayError UnknownRoute(string path, IEnumerable<string> routes) => new(HttpStatusCode.NotFound, "unknown_route",
        $"This AgentGuard gateway has no route for '{path}'. Its routes: {string.Join(", ", routes.Select(r => "/" + r + "/"))} (Gateway:Routes).");

    /// <summary>The body in the provider's shape: Anthropic's <c>{"type":"error","error":{...}}</c>, else OpenAI's <c>{"error":{...}}</c>.</summary>
    public byte[] Body(string provider) => provider == "anthropic"
        ? JsonSerializer.SerializeToUtf8Bytes(new
        {
            type = "error",
            error = new { type = AnthropicType(Status), message = Message },
        })
        : JsonSerializer.SerializeToUtf8Bytes(new
        {
            error = new { message = Message, type = ErrorType, param = (string?)null, code = Code },
        });

    /// <summary>Anthropic's error types, by status (its SDKs map them to their exception types).</summary>
    private static string AnthropicType(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Unauthorized => "authentication_error",
        HttpStatusCode.PaymentRequired => "billing_error",
        HttpStatusCode.NotFound => "not_found_error",
        HttpStatusCode.RequestEntityTooLarge => "request_too_large",
        HttpStatusCode.TooManyRequests => "rate_limit_error",
        HttpStatusCode.ServiceUnavailable => "api_error",
        _ => "invalid_request_error",
    };
}
