using AgentGuard.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentGuard.Gateway.Tests;

/// <summary>The gateway started in this process on a free loopback port, from the configuration a test gives it alone.</summary>
internal sealed class GatewayHost : IAsyncDisposable
{
    public const string Key = "gw-test-key-0123456789";
    public const string OtherKey = "gw-other-key-0123456789";
    public const string UpstreamKey = "sk-upstream-secret";

    private readonly WebApplication _app;

    private GatewayHost(WebApplication app, Uri root)
    {
        _app = app;
        Root = root;
    }

    /// <summary>http://127.0.0.1:PORT/</summary>
    public Uri Root { get; }

    /// <summary>The base URL an OpenAI SDK is given: http://127.0.0.1:PORT/openai/v1/.</summary>
    public Uri OpenAIBaseUrl => new(Root, "openai/v1/");

    public BudgetedSession Session => _app.Services.GetRequiredService<IBudgetSessionProvider>().Get(GatewayApp.DefaultBudgetName);

    public BudgetedSession ScopedSession(BudgetScope scope) => _app.Services.GetRequiredService<IBudgetSessionProvider>().Get(GatewayApp.DefaultBudgetName, scope);

    /// <summary>A gateway with one route, <c>openai</c>, to <paramref name="upstream"/>, two keys, and <paramref name="settings"/> on top.</summary>
    public static async Task<GatewayHost> StartAsync(Uri upstream, decimal budgetUsd, IDictionary<string, string?>? settings = null)
    {
        var config = new Dictionary<string, string?>
        {
            ["AgentGuard:BudgetUsd"] = budgetUsd.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:Routes:openai:Provider"] = "openai",
            ["Gateway:Routes:openai:Upstream"] = upstream.AbsoluteUri,
            ["Gateway:Routes:openai:ApiKey"] = UpstreamKey,
            ["Gateway:Keys:0:Name"] = "test",
            ["Gateway:Keys:0:Key"] = Key,
            ["Gateway:Keys:1:Name"] = "other",
            ["Gateway:Keys:1:Key"] = OtherKey,
            ["Gateway:Keys:1:Scope"] = "tenant:acme",
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
        {
            config[name] = value;
        }

        var app = Build(config);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new GatewayHost(app, new Uri($"http://127.0.0.1:{new Uri(address).Port}/"));
    }

    /// <summary>Builds (without starting) a gateway from exactly <paramref name="config"/>: the gateway's own appsettings.json is not read.</summary>
    public static WebApplication Build(IDictionary<string, string?> config) => GatewayApp.Create([], builder =>
    {
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(config);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
    });

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
