using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentGuard.FakeOpenAI;

/// <summary>An in-process fake of the OpenAI API on a random loopback port: the test oracle that bills
/// with its own prices and token counts. Serves POST chat/completions, responses (and GET responses/{id},
/// POST responses/{id}/cancel), embeddings and completions under /v1/ (or the root), and the Azure OpenAI
/// routes /openai/deployments/{deployment}/... (api-version required) and /openai/v1/....</summary>
public sealed class FakeOpenAIServer : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(2);

    private readonly WebApplication _app;
    private readonly ResponseStore _responses = new();
    private FakeBehavior _behavior;
    private int _disposed;

    private FakeOpenAIServer(WebApplication app, FakeBehavior behavior)
    {
        _app = app;
        _behavior = behavior;
    }

    /// <summary>http://127.0.0.1:PORT/v1/ (the OpenAI SDK's endpoint).</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>http://127.0.0.1:PORT/</summary>
    public Uri Root { get; private set; } = null!;

    /// <summary>Read once when a request arrives; may be replaced at any time.</summary>
    public FakeBehavior Behavior
    {
        get => Volatile.Read(ref _behavior);
        set => Volatile.Write(ref _behavior, value ?? throw new ArgumentNullException(nameof(value)));
    }

    public FakeMeter Meter { get; } = new();

    public static async Task<FakeOpenAIServer> StartAsync(FakeBehavior? behavior = null, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            // Many servers per test run: no file watchers on configuration files.
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = StopTimeout);
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, 0);
            o.Limits.MaxRequestBodySize = null;
            o.AddServerHeader = false;
        });

        var app = builder.Build();
        var server = new FakeOpenAIServer(app, behavior ?? FakeBehavior.Default);
        app.Use(server.CountAsync);
        app.Run(server.DispatchAsync);
        try
        {
            await app.StartAsync(ct).ConfigureAwait(false);
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            var port = new Uri(address).Port;
            server.Root = new Uri($"http://127.0.0.1:{port}/");
            server.BaseUrl = new Uri(server.Root, "v1/");
            return server;
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using (var cts = new CancellationTokenSource(StopTimeout))
        {
            try
            {
                await _app.StopAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Connections still open after the timeout are aborted.
            }
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task CountAsync(HttpContext context, RequestDelegate next)
    {
        Meter.RequestStarted();
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            Meter.RequestEnded();
        }
    }

    private Task DispatchAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value?.TrimEnd('/') ?? string.Empty;
        var behavior = Behavior;
        var post = HttpMethods.IsPost(request.Method);
        if (AzureRoutes.TrySplitDeployment(path, out var deployment, out var operation))
        {
            if (!post || !IsModelOperation(operation))
            {
                return NotFoundAsync(context);
            }

            var route = AzureRoutes.ResolveDeployment(request, deployment, behavior, out var error);
            return route is null ? error!.WriteAsync(context.Response, context.RequestAborted) : PostAsync(context, operation, behavior, route);
        }

        var (relative, root) = path switch
        {
            _ when path.StartsWith(AzureRoutes.V1Prefix, StringComparison.OrdinalIgnoreCase) =>
                (path[AzureRoutes.V1Prefix.Length..], behavior.OpenAIUnderOpenAIV1 ? FakeRoute.OpenAI : FakeRoute.AzureV1),
            _ when path.StartsWith("/v1/", StringComparison.OrdinalIgnoreCase) => (path["/v1/".Length..], FakeRoute.OpenAI),
            _ => (path.TrimStart('/'), FakeRoute.OpenAI),
        };

        if (post && IsModelOperation(relative))
        {
            return PostAsync(context, relative, behavior, root);
        }

        // responses/{id} (GET) and responses/{id}/cancel (POST).
        var segments = relative.Split('/');
        if (segments.Length >= 2 && segments[0].Equals("responses", StringComparison.OrdinalIgnoreCase) && segments[1].Length > 0)
        {
            var id = Uri.UnescapeDataString(segments[1]);
            if (segments.Length == 2 && HttpMethods.IsGet(request.Method))
            {
                return ResponsesEndpoint.GetAsync(context, _responses, id);
            }

            if (segments.Length == 3 && post && segments[2].Equals("cancel", StringComparison.OrdinalIgnoreCase))
            {
                return ResponsesEndpoint.CancelAsync(context, _responses, id);
            }
        }

        return NotFoundAsync(context);
    }

    private static bool IsModelOperation(string operation) =>
        operation.Equals("chat/completions", StringComparison.OrdinalIgnoreCase)
        || operation.Equals("responses", StringComparison.OrdinalIgnoreCase)
        || operation.Equals("embeddings", StringComparison.OrdinalIgnoreCase)
        || operation.Equals("completions", StringComparison.OrdinalIgnoreCase);

    private Task PostAsync(HttpContext context, string operation, FakeBehavior behavior, FakeRoute route) => operation.ToLowerInvariant() switch
    {
        "chat/completions" => ChatCompletionsEndpoint.HandleAsync(context, behavior, Meter, route),
        "responses" => ResponsesEndpoint.CreateAsync(context, behavior, Meter, _responses, route),
        "embeddings" => EmbeddingsEndpoint.HandleAsync(context, behavior, Meter, route),
        _ => CompletionsEndpoint.HandleAsync(context, behavior, Meter, route),
    };

    private static Task NotFoundAsync(HttpContext context) =>
        OpenAIError.NotFound(context.Request).WriteAsync(context.Response, context.RequestAborted);
}
