using System.Net;
using AgentGuard.Gateway.Keys;
using AgentGuard.Gateway.Options;
using AgentGuard.Gateway.Refusals;
using AgentGuard.Gateway.Telemetry;
using AgentGuard.Http;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace AgentGuard.Gateway.Forwarding;

/// <summary>The gateway's routes: one per configured prefix, each forwarding through the guarded invoker.</summary>
internal static class GatewayEndpoints
{
    /// <summary>The named client whose handler chain (refusals, then the guard) every forwarded call goes through.</summary>
    public const string ClientName = "agentguard-gateway";

    public static void MapGatewayRoutes(this IEndpointRouteBuilder endpoints)
    {
        var services = endpoints.ServiceProvider;
        var options = services.GetRequiredService<IOptions<GatewayOptions>>().Value;
        var forwarder = services.GetRequiredService<IHttpForwarder>();
        var keys = services.GetRequiredService<GatewayKeyTable>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("AgentGuard.Gateway");

        // One invoker for the process: the factory's handler chain with an infinite lifetime, so connections pool
        // across calls and the guard's handler is built once.
        var invoker = new HttpMessageInvoker(services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(ClientName), disposeHandler: false);
        var requestConfig = new ForwarderRequestConfig { ActivityTimeout = options.ActivityTimeout };

        foreach (var (prefix, route) in options.Routes)
        {
            string? upstreamKey = route.ApiKey ?? (route.ApiKeyVariable is { } variable ? Environment.GetEnvironmentVariable(variable) : null);
            string upstream = route.Upstream!.AbsoluteUri.TrimEnd('/');
            endpoints.Map("/" + prefix + "/{**rest}", async context =>
            {
                var client = keys.Authenticate(context.Request);
                if (client is null)
                {
                    Log.UnknownKey(logger, prefix, context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
                    await WriteAsync(context, route.Provider, GatewayError.UnknownKey(prefix)).ConfigureAwait(false);
                    return;
                }

                string path = "/" + (context.GetRouteValue("rest") as string ?? "");
                var transformer = new GatewayTransformer(route, upstreamKey, client, path);
                var error = await forwarder.SendAsync(context, upstream, invoker, requestConfig, transformer).ConfigureAwait(false);
                if (error != ForwarderError.None)
                {
                    var failure = context.GetForwarderErrorFeature()?.Exception;
                    Log.ForwardFailed(logger, prefix, client.Name, error, failure);
                    if (!context.Response.HasStarted)
                    {
                        // The upstream failed, not the guard (its refusals are answers): say so in the provider's shape.
                        var status = error is ForwarderError.RequestTimedOut ? HttpStatusCode.GatewayTimeout : HttpStatusCode.BadGateway;
                        await WriteAsync(context, route.Provider, new GatewayError(status, "upstream_failed",
                            $"The AgentGuard gateway could not complete the call to the '{prefix}' upstream ({error}).")).ConfigureAwait(false);
                    }
                }
            });
        }

        endpoints.MapFallback(context => WriteAsync(context, AgentGuardProviders.OpenAI, GatewayError.UnknownRoute(context.Request.Path, options.Routes.Keys)));
    }

    private static async Task WriteAsync(HttpContext context, string provider, GatewayError error)
    {
        context.Response.StatusCode = (int)error.Status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers["x-should-retry"] = "false";
        await context.Response.Body.WriteAsync(error.Body(provider), context.RequestAborted).ConfigureAwait(false);
    }
}
