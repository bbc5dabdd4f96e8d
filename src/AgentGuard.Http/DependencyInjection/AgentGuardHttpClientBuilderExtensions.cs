using AgentGuard.Http;
using AgentGuard.Http.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the AgentGuard budget guard to HttpClients built by <see cref="IHttpClientFactory"/>.</summary>
public static class AgentGuardHttpClientBuilderExtensions
{
    /// <summary>
    /// Guards the client's LLM calls with a hard budget. The options are validated at startup; clients that
    /// share a <see cref="AgentGuardOptions.BudgetName"/> share one budget, resolvable as
    /// <c>sp.GetRequiredKeyedService&lt;BudgetedSession&gt;(budgetName)</c>.
    /// <para>
    /// On the builder of <c>services.ConfigureHttpClientDefaults(b =&gt; b.AddAgentGuard(...))</c> every client the factory
    /// creates is guarded, all drawing from one budget (<c>"default"</c> unless <see cref="AgentGuardOptions.BudgetName"/>
    /// says otherwise). Do not also guard a named client then: it would be guarded twice, by two budgets.
    /// </para>
    /// </summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="configure">Sets the options; <see cref="AgentGuardOptions.BudgetUsd"/> is required.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IHttpClientBuilder AddAgentGuard(this IHttpClientBuilder builder, Action<AgentGuardOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        return builder.AddAgentGuardCore(options => options.Configure(configure));
    }

    /// <summary>
    /// Guards the client's calls with a hard budget, with options set from the application's services: callbacks can use
    /// them (an <c>ILogger</c>, a notifier). The options are validated at startup, as with the other overloads.
    /// </summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="configure">Sets the options from the service provider; <see cref="AgentGuardOptions.BudgetUsd"/> is required.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IHttpClientBuilder AddAgentGuard(this IHttpClientBuilder builder, Action<IServiceProvider, AgentGuardOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        return builder.AddAgentGuardCore(options => options.Configure<IServiceProvider>((o, sp) => configure(sp, o)));
    }

    private static IHttpClientBuilder AddAgentGuardCore(this IHttpClientBuilder builder, Action<OptionsBuilder<AgentGuardOptions>> configure)
    {
        // The defaults' builder has no name: its options are the unnamed ones, shared by every client.
        string clientName = builder.Name ?? Options.Options.DefaultName;
        var services = builder.Services;
        var options = services.AddOptions<AgentGuardOptions>(clientName);
        configure(options);
        options.ValidateOnStart();
        services.Configure<AgentGuardRegistrations>(r => r.ClientNames.Add(clientName));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AgentGuardOptions>>(AgentGuardOptionsValidator.Instance));

        // Registration is idempotent: the shared parts are added once, whatever the number of guarded clients.
        if (!services.Any(d => d.ServiceType == typeof(BudgetRegistry)))
        {
            services.AddSingleton<BudgetRegistry>();
            services.AddSingleton<IBudgetSessionProvider>(static sp => sp.GetRequiredService<BudgetRegistry>());
            services.AddKeyedSingleton<BudgetedSession>(KeyedService.AnyKey,
                static (sp, key) => sp.GetRequiredService<BudgetRegistry>().GetSession(key as string
                    ?? throw new InvalidOperationException("A BudgetedSession is resolved by its budget name (a string).")));
            services.AddSingleton<IValidateOptions<SharedBudgetsMarker>, SharedBudgetsValidator>();
            services.AddOptions<SharedBudgetsMarker>().ValidateOnStart();
        }

        builder.AddHttpMessageHandler(sp => sp.GetRequiredService<BudgetRegistry>().CreateHandler(clientName));
        return builder;
    }

    /// <summary>
    /// Guards the client's LLM calls with options bound from a configuration section (for example
    /// <c>configuration.GetSection("AgentGuard")</c>). Binding is strict: a key that is not an option is an error at
    /// startup. A <c>WarningThresholds</c> list in the section replaces the defaults.
    /// </summary>
    /// <param name="builder">The client's builder.</param>
    /// <param name="configuration">The section holding the options.</param>
    /// <param name="configure">Sets what configuration cannot (callbacks), after binding.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IHttpClientBuilder AddAgentGuard(this IHttpClientBuilder builder, IConfiguration configuration, Action<AgentGuardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return builder.AddAgentGuard(options =>
        {
            if (configuration.GetSection(nameof(AgentGuardOptions.WarningThresholds)).Exists())
            {
                options.WarningThresholds.Clear();
            }

            configuration.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
            configure?.Invoke(options);
        });
    }
}
