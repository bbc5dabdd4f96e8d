using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using AgentGuard.Http.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentGuard.Http.DependencyInjection;

/// <summary>
/// The process's budgets (one session and one ledger per budget name) and the compiled policy of each guarded
/// client. A singleton: the factory's handlers are pooled and recycled, the budgets they draw from are not.
/// </summary>
internal sealed class BudgetRegistry(
    IOptionsMonitor<AgentGuardOptions> options,
    IOptions<AgentGuardRegistrations> registrations,
    IServiceProvider services)
{
    private readonly ConcurrentDictionary<string, Lazy<BudgetedSession>> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<GuardPolicy>> _policies = new(StringComparer.Ordinal);

    public BudgetGuardHandler CreateHandler(string clientName)
    {
        var policy = _policies.GetOrAdd(clientName, name => new Lazy<GuardPolicy>(() => GuardPolicy.From(options.Get(name)))).Value;
        var session = GetSession(AgentGuardRegistrations.BudgetNameOf(clientName, options.Get(clientName)));
        return new BudgetGuardHandler(session, policy);
    }

    public BudgetedSession GetSession(string budgetName) =>
        _sessions.GetOrAdd(budgetName, name => new Lazy<BudgetedSession>(() => CreateSession(name))).Value;

    /// <summary>The clients of each budget, with their options (validated, so a bad one throws here).</summary>
    public ILookup<string, (string Client, AgentGuardOptions Options)> ClientsByBudget() =>
        registrations.Value.ClientNames
            .Select(client => (Client: client, Options: options.Get(client)))
            .ToLookup(c => AgentGuardRegistrations.BudgetNameOf(c.Client, c.Options), StringComparer.Ordinal);

    /// <summary>Why clients that share a budget conflict, or <see langword="null"/>.</summary>
    public string? FindConflicts()
    {
        ILookup<string, (string Client, AgentGuardOptions Options)> budgets;
        try
        {
            budgets = ClientsByBudget();
        }
        catch (OptionsValidationException)
        {
            // A client's own options are invalid: their validation reports it, once.
            return null;
        }

        var errors = new List<string>();
        foreach (var budget in budgets)
        {
            var first = budget.First();
            foreach (var other in budget.Skip(1))
            {
                if (other.Options.BudgetUsd != first.Options.BudgetUsd)
                {
                    errors.Add($"The HttpClients '{first.Client}' and '{other.Client}' share the budget '{budget.Key}' but configure different limits " +
                        $"({first.Options.BudgetUsd} and {other.Options.BudgetUsd} USD).");
                }

                if (!first.Options.WarningThresholds.Order().SequenceEqual(other.Options.WarningThresholds.Order()))
                {
                    errors.Add($"The HttpClients '{first.Client}' and '{other.Client}' share the budget '{budget.Key}' but configure different warning thresholds.");
                }
            }
        }

        return errors.Count == 0 ? null : string.Join(" ", errors);
    }

    private BudgetedSession CreateSession(string budgetName)
    {
        var clients = ClientsByBudget()[budgetName].ToList();
        if (clients.Count == 0)
        {
            throw new InvalidOperationException(
                $"No guarded HttpClient uses the budget '{budgetName}'. Budgets: {string.Join(", ", ClientsByBudget().Select(b => $"'{b.Key}'"))}.");
        }

        if (FindConflicts() is { } conflict)
        {
            throw new OptionsValidationException(budgetName, typeof(AgentGuardOptions), [conflict]);
        }

        var first = clients[0].Options;
        var time = (TimeProvider?)services.GetService(typeof(TimeProvider)) ?? TimeProvider.System;
        return new BudgetedSession(
            budgetName,
            Micros.LimitFromUsd(first.BudgetUsd),
            new InMemoryBudgetLedger(time),
            first.WarningThresholds,
            clients.Select(c => c.Options.OnWarning).OfType<Action<BudgetWarning>>(),
            time,
            (ILoggerFactory?)services.GetService(typeof(ILoggerFactory)),
            AgentGuardMetrics.Create((IMeterFactory?)services.GetService(typeof(IMeterFactory))));
    }
}

/// <summary>Fails startup when clients that share a budget configure it differently.</summary>
internal sealed class SharedBudgetsValidator(BudgetRegistry registry) : IValidateOptions<SharedBudgetsMarker>
{
    public ValidateOptionsResult Validate(string? name, SharedBudgetsMarker options) =>
        registry.FindConflicts() is { } conflict ? ValidateOptionsResult.Fail(conflict) : ValidateOptionsResult.Success;
}
