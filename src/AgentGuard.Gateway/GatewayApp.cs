using System.Net;
using AgentGuard.Gateway.Forwarding;
using AgentGuard.Gateway.Keys;
using AgentGuard.Gateway.Options;
using AgentGuard.Gateway.Refusals;
using AgentGuard.Gateway.Telemetry;
using AgentGuard.Http;
using Microsoft.Extensions.Options;

namespace AgentGuard.Gateway;

/// <summary>Builds the gateway: configuration, the guarded forwarder, the routes and the health endpoint.</summary>
public static class GatewayApp
{
    /// <summary>A JSON file of configuration, read after appsettings.json and before the environment and the command line.</summary>
    public const string ConfigFileVariable = "AGENTGUARD_GATEWAY_CONFIG";

    /// <summary>Where the gateway listens when neither the configuration (<c>Urls</c>) nor the command line says.</summary>
    public const string DefaultUrls = "http://127.0.0.1:8080";

    /// <summary>The budget's name when <c>AgentGuard:BudgetName</c> gives none.</summary>
    public const string DefaultBudgetName = "gateway";

    /// <summary>Builds the gateway from its configuration.</summary>
    /// <param name="args">The command line (<c>--Gateway:Routes:openai:ApiKey=...</c>, <c>--urls=...</c>).</param>
    /// <param name="configure">Adds to the builder before services are registered (tests give their own configuration).</param>
    /// <param name="configFile">
    /// A JSON file of configuration (else <see cref="ConfigFileVariable"/>'s). It replaces the appsettings.json shipped
    /// beside the binary instead of adding to it: that file's local defaults (its key among them) must never merge into a
    /// deployment's keys. The environment and the command line still apply over it.
    /// </param>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null, string? configFile = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configFile ??= Environment.GetEnvironmentVariable(ConfigFileVariable) is { Length: > 0 } named ? named : null;
        if (configFile is not null)
        {
            string path = Path.GetFullPath(configFile);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"The gateway's configuration file '{path}' does not exist.", path);
            }

            var shipped = builder.Configuration.Sources.OfType<Microsoft.Extensions.Configuration.Json.JsonConfigurationSource>()
                .Where(source => source.Path?.StartsWith("appsettings", StringComparison.OrdinalIgnoreCase) == true).ToList();
            foreach (var source in shipped)
            {
                builder.Configuration.Sources.Remove(source);
            }

            builder.Configuration.AddJsonFile(path, optional: false, reloadOnChange: false);
            builder.Configuration.AddEnvironmentVariables();
            builder.Configuration.AddCommandLine(args);
        }

        configure?.Invoke(builder);
        if (string.IsNullOrEmpty(builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey)))
        {
            // Loopback unless told otherwise: a gateway holds upstream keys, so it is exposed only by choice.
            builder.WebHost.UseUrls(DefaultUrls);
        }

        // The guard bounds the bodies of the calls it guards (AgentGuard:MaxRequestBodyBytes, refused with 413); other
        // calls (file uploads) are the upstream's to limit.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null);

        var services = builder.Services;
        services.AddOptions<GatewayOptions>()
            .BindConfiguration(GatewayOptions.SectionName, binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.AddSingleton<GatewayKeyTable>();
        services.AddHttpForwarder();

        var guardSection = builder.Configuration.GetSection("AgentGuard");
        string budgetName = guardSection[nameof(AgentGuardOptions.BudgetName)] ?? DefaultBudgetName;
        var ledger = builder.Configuration.GetSection(GatewayOptions.SectionName + ":Ledger").Get<GatewayLedger>() ?? new GatewayLedger();
        var budget = services.AddAgentGuardBudget(budgetName);
        _ = ledger.Kind switch
        {
            GatewayLedgerKind.Sqlite => budget.UseSqliteLedger(ledger.ConnectionString!),
            GatewayLedgerKind.Redis => budget.UseRedisLedger(ledger.ConnectionString!),
            GatewayLedgerKind.Postgres => budget.UsePostgresLedger(ledger.ConnectionString!),
            _ => budget,
        };

        services.AddHttpClient(GatewayEndpoints.ClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // What YARP's own forwarder client uses: the gateway forwards what the client sent, as it sent it.
                UseProxy = false,
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                UseCookies = false,
                EnableMultipleHttp2Connections = true,
                ActivityHeadersPropagator = null,
                ConnectTimeout = TimeSpan.FromSeconds(15),
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .AddHttpMessageHandler(() => new GatewayRefusalHandler())
            .AddAgentGuard(guardSection, o =>
            {
                o.BudgetName ??= budgetName;
                // Refusals are thrown, and answered by GatewayRefusalHandler in the route's provider's shape.
                o.RefusalMode = BudgetRefusalMode.Throw;
            });

        services.AddHealthChecks().AddAgentGuardLedger(budgetName);

        var app = builder.Build();
        app.MapHealthChecks("/healthz");
        app.MapGatewayRoutes();

        var options = app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value;
        Log.Started(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AgentGuard.Gateway"),
            string.Join(", ", options.Routes.Select(r => $"/{r.Key}/ → {r.Value.Upstream} ({r.Value.Provider})")), budgetName, ledger.Kind.ToString());
        return app;
    }
}
