using System.ClientModel;
using System.ClientModel.Primitives;
using AgentGuard.Http.Telemetry;
using Microsoft.Extensions.Logging;
using OpenAI;

namespace AgentGuard.Http;

public sealed partial class BudgetedSession
{
    /// <summary>
    /// Creates a budget without dependency injection. Pair it with <see cref="BudgetGuardHandler"/> for each
    /// HttpClient that draws from it.
    /// </summary>
    /// <param name="options">The budget's options, validated here.</param>
    /// <param name="ledger">Where the budget lives; a new <see cref="InMemoryBudgetLedger"/> when omitted.</param>
    /// <param name="timeProvider">The clock for leases; <see cref="TimeProvider.System"/> when omitted.</param>
    /// <param name="loggerFactory">Where the guard logs; nowhere when omitted.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message says which and why.</exception>
    public static BudgetedSession Create(AgentGuardOptions options, IBudgetLedger? ledger = null, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        AgentGuardOptionsValidator.ThrowIfInvalid(options);
        var time = timeProvider ?? TimeProvider.System;
        return new BudgetedSession(
            new BudgetDefinition(options.BudgetName ?? "default", options),
            ledger ?? new InMemoryBudgetLedger(time),
            options.OnWarning is { } onWarning ? [onWarning] : [],
            time,
            loggerFactory,
            AgentGuardMetrics.Create(meterFactory: null));
    }

    /// <summary>
    /// Returns an OpenAI client guarded by a new budget: it works exactly like <see cref="OpenAIClient"/>
    /// (<c>client.GetChatClient("gpt-4o-mini").CompleteChat(...)</c>) and exposes the budget as
    /// <see cref="BudgetedOpenAIClient.Session"/>.
    /// </summary>
    /// <param name="budgetUsd">The hard limit in USD (greater than zero).</param>
    /// <param name="onBudgetExceeded">Called when a call is refused; a notification only: the call still throws.</param>
    /// <param name="onWarning">Called when spend crosses a warning threshold.</param>
    /// <param name="warningThresholds">Percentages of the budget; 30, 80 and 95 when omitted.</param>
    /// <param name="tier">The tier calls bill at when they name none.</param>
    /// <param name="apiKey">The API key; the <c>OPENAI_API_KEY</c> environment variable when omitted.</param>
    /// <param name="endpoint">The API's base URL (an OpenAI-compatible server); OpenAI's when omitted.</param>
    /// <param name="configure">Sets any other option.</param>
    /// <exception cref="ArgumentException">A setting is invalid, or no API key was given or found.</exception>
    public static BudgetedOpenAIClient OpenAI(
        decimal budgetUsd,
        Action<BudgetExceededException>? onBudgetExceeded = null,
        Action<BudgetWarning>? onWarning = null,
        IEnumerable<decimal>? warningThresholds = null,
        ServiceTier tier = ServiceTier.Standard,
        string? apiKey = null,
        Uri? endpoint = null,
        Action<AgentGuardOptions>? configure = null)
    {
        var options = new AgentGuardOptions
        {
            BudgetUsd = budgetUsd,
            OnBudgetExceeded = onBudgetExceeded,
            OnWarning = onWarning,
            ServiceTier = tier,
        };
        if (warningThresholds is not null)
        {
            options.WarningThresholds = [.. warningThresholds];
        }

        configure?.Invoke(options);
        string key = apiKey ?? Environment.GetEnvironmentVariable("OPENAI_API_KEY")
            ?? throw new ArgumentException("No API key: pass apiKey or set the OPENAI_API_KEY environment variable.", nameof(apiKey));

        var session = Create(options);
        var handler = new BudgetGuardHandler(session, options) { InnerHandler = new SocketsHttpHandler() };
        var clientOptions = new OpenAIClientOptions { Transport = new HttpClientPipelineTransport(new HttpClient(handler)) };
        if (endpoint is not null)
        {
            clientOptions.Endpoint = endpoint;
        }

        return new BudgetedOpenAIClient(new ApiKeyCredential(key), clientOptions, session);
    }
}
