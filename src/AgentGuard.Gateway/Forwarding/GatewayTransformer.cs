using AgentGuard.Gateway.Keys;
using AgentGuard.Gateway.Options;
using AgentGuard.Http;
using Yarp.ReverseProxy.Forwarder;

namespace AgentGuard.Gateway.Forwarding;

/// <summary>
/// Makes the upstream request of one call: the path after the route's prefix on the upstream's base URL, the client's
/// credentials taken out and the upstream's key put in, and the route's provider and the key's scope handed to the
/// guard, so the guard never guesses the provider from a path (<c>/openai/v1/</c> on a proxy reads as Azure).
/// </summary>
internal sealed class GatewayTransformer(GatewayRoute route, string? upstreamKey, GatewayClient client, string path) : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);

        proxyRequest.RequestUri = RequestUtilities.MakeDestinationAddress(destinationPrefix, new PathString(path), WithoutKey(httpContext.Request.QueryString));
        foreach (string header in GatewayKeyTable.CredentialHeaders)
        {
            proxyRequest.Headers.Remove(header);
        }

        if (upstreamKey is not null)
        {
            switch (route.Provider)
            {
                case AgentGuardProviders.AzureOpenAI:
                    proxyRequest.Headers.TryAddWithoutValidation("api-key", upstreamKey);
                    break;
                case "anthropic":
                    proxyRequest.Headers.TryAddWithoutValidation("x-api-key", upstreamKey);
                    break;
                default:
                    proxyRequest.Headers.TryAddWithoutValidation("Authorization", "Bearer " + upstreamKey);
                    break;
            }
        }

        proxyRequest.Options.Set(AgentGuardProviders.RequestOptionKey, route.Provider);
        if (client.Scope is { } scope)
        {
            proxyRequest.Options.Set(BudgetScope.RequestOptionKey, scope);
        }
    }

    /// <summary>The client's query without a <c>key=</c> parameter: a gateway key must never reach the upstream.</summary>
    private static QueryString WithoutKey(QueryString query)
    {
        if (!query.HasValue || !query.Value!.Contains(GatewayKeyTable.CredentialQueryParameter + "=", StringComparison.Ordinal))
        {
            return query;
        }

        var kept = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query.Value)
            .Where(p => p.Key != GatewayKeyTable.CredentialQueryParameter)
            .SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string?>(p.Key, v)));
        return QueryString.Create(kept);
    }
}
