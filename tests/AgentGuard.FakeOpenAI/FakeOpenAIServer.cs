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

/// <summary>An in-process fake of the OpenAI chat completions API on a random loopback port:
/// the test oracle that bills with its own prices and token counts.</summary>
public sealed class FakeOpenAIServer : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(2);

    private readonly WebApplication _app;
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
        if (HttpMethods.IsPost(request.Method)
            && (path.Equals("/v1/chat/completions", StringComparison.OrdinalIgnoreCase)
                || path.Equals("/chat/completions", StringComparison.OrdinalIgnoreCase)))
        {
            return ChatCompletionsEndpoint.HandleAsync(context, Behavior, Meter);
        }

        return OpenAIError.NotFound(request).WriteAsync(context.Response, context.RequestAborted);
    }
}
