using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AgentGuard.FakeOpenAI;
using Microsoft.Extensions.Options;

namespace AgentGuard.Gateway.Tests;

/// <summary>
/// What the gateway answers itself: every refusal an HTTP error in the provider's shape with <c>x-should-retry: false</c>,
/// never the forwarder's empty 502 or 504, nothing sent upstream and nothing left reserved.
/// </summary>
public sealed class GatewayRefusalTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(HttpStatusCode Status, string? Code, string Message, string? Retry)> PostAsync(
        GatewayHost gateway, string path, string body, string? key = GatewayHost.Key, string header = "Authorization")
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.Root, path))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation(header, header == "Authorization" ? "Bearer " + key : key);
        }

        using var response = await http.SendAsync(request, Ct);
        string text = await response.Content.ReadAsStringAsync(Ct);
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        return (response.StatusCode, error.TryGetProperty("code", out var code) ? code.GetString() : null, error.GetProperty("message").GetString()!,
            response.Headers.TryGetValues("x-should-retry", out var retry) ? retry.Single() : null);
    }

    private const string Chat = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}""";

    [Theory]
    [InlineData("openai/v1/chat/completions", """{"model":"gpt-4o-mini","messages":[""", HttpStatusCode.BadRequest, "unbounded_request", "not valid JSON")]
    [InlineData("openai/v1/chat/completions", """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"max_tokens":"many"}""", HttpStatusCode.BadRequest, "unbounded_request", "max_tokens")]
    [InlineData("openai/v1/chat/completions", """{"model":"gpt-4o-mnii","messages":[{"role":"user","content":"hi"}]}""", HttpStatusCode.BadRequest, "unknown_model_price", "Did you mean 'gpt-4o-mini'?")]
    [InlineData("openai/v1/images/generations", """{"model":"gpt-image-1","prompt":"a cat"}""", HttpStatusCode.BadRequest, "unbounded_request", "images")]
    [InlineData("nowhere/v1/chat/completions", Chat, HttpStatusCode.NotFound, "unknown_route", "/openai/")]
    public async Task ARequestTheGuardRefuses_IsAnErrorInOpenAIsShape_AndNothingIsSent(string path, string body, HttpStatusCode status, string code, string says)
    {
        await using var fake = await FakeOpenAIServer.StartAsync(ct: Ct);
        await using var gateway = await GatewayHost.StartAsync(fake.Root, budgetUsd: 1);

        var answer = await PostAsync(gateway, path, body);

        Assert.Equal(status, answer.Status);
        Assert.Equal(code, answer.Code);
        Assert.Contains(says, answer.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("false", answer.Retry);
        Assert.Equal(0, fake.Meter.TotalRequests);
        Assert.Equal(0m, gateway.Session.GetReserved());
    }

    [Theory]
    [InlineData(null, "Authorization")]
    [InlineData("sk-not-a-gateway-key-at-all", "Authorization")]
    [InlineData("gw-test-key-0123456788", "x-api-key")]
    public async Task ACallWithoutAKnownGatewayKey_Is401_AndNothingIsSent(string? key, string header)
    {
        await using var fake = await FakeOpenAIServer.StartAsync(ct: Ct);
        await using var gateway = await GatewayHost.StartAsync(fake.Root, budgetUsd: 1);

        var answer = await PostAsync(gateway, "openai/v1/chat/completions", Chat, key, header);

        Assert.Equal(HttpStatusCode.Unauthorized, answer.Status);
        Assert.Equal("invalid_gateway_key", answer.Code);
        Assert.Equal(0, fake.Meter.TotalRequests);
    }

    [Theory]
    [InlineData("Authorization")]
    [InlineData("x-api-key")]
    [InlineData("api-key")]
    [InlineData("x-goog-api-key")]
    public async Task AGatewayKeyInAnySdksHeader_IsAccepted(string header)
    {
        await using var fake = await FakeOpenAIServer.StartAsync(ct: Ct);
        await using var gateway = await GatewayHost.StartAsync(fake.Root, budgetUsd: 1);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.Root, "openai/v1/chat/completions")) { Content = new StringContent(Chat, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation(header, header == "Authorization" ? "Bearer " + GatewayHost.Key : GatewayHost.Key);

        using var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, fake.Meter.BilledRequests);
    }

    [Fact]
    public async Task ABodyOverTheLimit_Is413_BeforeAnythingIsSent()
    {
        await using var fake = await FakeOpenAIServer.StartAsync(ct: Ct);
        await using var gateway = await GatewayHost.StartAsync(fake.Root, budgetUsd: 1, new Dictionary<string, string?> { ["AgentGuard:MaxRequestBodyBytes"] = "4096" });
        string body = $$"""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"{{new string('x', 8000)}}"}]}""";

        var answer = await PostAsync(gateway, "openai/v1/chat/completions", body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.Status);
        Assert.Equal("request_too_large", answer.Code);
        Assert.Equal(0, fake.Meter.TotalRequests);
    }

    [Fact]
    public async Task AnUnreachableLedger_Is503_NotAnEmpty502_AndFailsTheHealthCheck()
    {
        await using var fake = await FakeOpenAIServer.StartAsync(ct: Ct);
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        await using var gateway = await GatewayHost.StartAsync(fake.Root, budgetUsd: 1, new Dictionary<string, string?>
        {
            ["Gateway:Ledger:Kind"] = "Redis",
            ["Gateway:Ledger:ConnectionString"] = "127.0.0.1:1,abortConnect=false,connectTimeout=500,syncTimeout=500,asyncTimeout=500",
        });

        var answer = await PostAsync(gateway, "openai/v1/chat/completions", Chat);
        using var http = new HttpClient();
        using var health = await http.GetAsync(new Uri(gateway.Root, "healthz"), Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.Status);
        Assert.Equal("ledger_unavailable", answer.Code);
        Assert.Equal("false", answer.Retry);
        Assert.Equal(0, fake.Meter.TotalRequests);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
    }

    [Fact]
    public async Task TheClientsCredentials_NeverReachTheUpstream_WhichGetsItsOwnKey()
    {
        await using var upstream = await EchoUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(upstream.Root, budgetUsd: 1);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway.Root, $"openai/v1/models?key={GatewayHost.Key}&limit=2"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GatewayHost.Key);
        request.Headers.TryAddWithoutValidation("x-api-key", GatewayHost.Key);
        request.Headers.TryAddWithoutValidation("api-key", GatewayHost.Key);
        request.Headers.TryAddWithoutValidation("x-goog-api-key", GatewayHost.Key);

        using var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (pathAndQuery, headers) = Assert.Single(upstream.Received);
        Assert.Equal("/v1/models?limit=2", pathAndQuery);
        Assert.Equal("Bearer " + GatewayHost.UpstreamKey, headers["Authorization"]);
        Assert.False(headers.ContainsKey("x-api-key"));
        Assert.False(headers.ContainsKey("api-key"));
        Assert.False(headers.ContainsKey("x-goog-api-key"));
        Assert.DoesNotContain(headers.Values, v => v.Contains(GatewayHost.Key, StringComparison.Ordinal));
    }

    [Fact]
    public void AGatewayWithoutKeysOrWithAnUnknownProvider_FailsAtStartup_SayingWhatToWrite()
    {
        // The routes are mapped from the validated options, so the gateway fails as it is built, before it listens.
        var ex = Assert.Throws<OptionsValidationException>(() => GatewayHost.Build(new Dictionary<string, string?>
        {
            ["AgentGuard:BudgetUsd"] = "1",
            ["Gateway:Routes:claude:Provider"] = "antropic",
            ["Gateway:Routes:claude:Upstream"] = "https://api.anthropic.com",
            ["Gateway:Keys:0:Name"] = "short",
            ["Gateway:Keys:0:Key"] = "abc",
        }));

        Assert.Contains("Gateway:Routes:claude:Provider is 'antropic': name one of", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Gateway:Keys:0:Key (for 'short') is shorter than 16 characters", ex.Message, StringComparison.Ordinal);
    }
}
