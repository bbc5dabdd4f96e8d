using System.Net.Http.Headers;
using AgentGuard.Http;

namespace AgentGuard.Gateway.Refusals;

/// <summary>
/// Turns the guard's refusals into HTTP answers in the route's provider's shape. It sits outside the guard: the forwarder
/// would answer an exception from its invoker with an empty 502, which an SDK retries and a user cannot read.
/// </summary>
internal sealed class GatewayRefusalHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (AgentGuardException refusal)
        {
            return Answer(request, GatewayError.From(refusal));
        }
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return base.Send(request, cancellationToken);
        }
        catch (AgentGuardException refusal)
        {
            return Answer(request, GatewayError.From(refusal));
        }
    }

    public static HttpResponseMessage Answer(HttpRequestMessage request, GatewayError error)
    {
        string provider = request.Options.TryGetValue(AgentGuardProviders.RequestOptionKey, out string? name) ? name : AgentGuardProviders.OpenAI;
        var content = new ByteArrayContent(error.Body(provider));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        var response = new HttpResponseMessage(error.Status) { Content = content, RequestMessage = request };
        response.Headers.TryAddWithoutValidation("x-should-retry", "false");
        return response;
    }
}
