using System.Globalization;
using AgentGuard.FakeOpenAI;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentGuard.Http.Benchmarks.Support;

/// <summary>
/// A loopback server that answers every POST with a canned event stream of <c>?events=N</c> content chunks, flushed
/// after each event as OpenAI flushes each token: the streaming benchmarks' real-socket transport. (The fake OpenAI
/// server bills every call; its streams are a few events long.)
/// </summary>
public sealed class CannedSseServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Dictionary<int, (byte[] Body, int[] Ends)> _streams = [];

    private CannedSseServer(WebApplication app) => _app = app;

    /// <summary>http://127.0.0.1:PORT/v1/chat/completions</summary>
    public Uri Endpoint { get; private set; } = null!;

    public static async Task<CannedSseServer> StartAsync(params int[] eventCounts)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, 0);
            o.AddServerHeader = false;
        });
        var app = builder.Build();
        var server = new CannedSseServer(app);
        foreach (int events in eventCounts)
        {
            var body = ChatResponses.Sse(events);
            server._streams[events] = (body, InMemoryOpenAIHandler.EventEnds(body));
        }

        app.Run(server.AnswerAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        server.Endpoint = new Uri($"http://127.0.0.1:{new Uri(address).Port}/v1/chat/completions");
        return server;
    }

    /// <summary>The endpoint that streams <paramref name="events"/> content chunks.</summary>
    public string EndpointFor(int events) => Endpoint + "?events=" + events.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task AnswerAsync(HttpContext context)
    {
        await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
        // Without ?events=N (an SDK builds its own URLs), the longest stream.
        string? events = context.Request.Query["events"];
        var (body, ends) = events is null ? _streams[_streams.Keys.Max()] : _streams[int.Parse(events, CultureInfo.InvariantCulture)];
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream";
        int start = 0;
        foreach (int end in ends)
        {
            await context.Response.Body.WriteAsync(body.AsMemory(start, end - start), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            start = end;
        }
    }
}
