using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using AgentGuard.Http.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentGuard.Http.DependencyInjection;

/// <summary>
/// The process's budgets (one session per budget name, on the budget's ledger) and the compiled policy of each guarded
/// client. A singleton: the factory's handlers are pooled and recycled, the budgets they draw from are not.
/// </summary>
internal sealed class BudgetRegistry(
    IOptionsMonitor<AgentGuardOptions> options,
    IOptionsMonitor<AgentGuardBudgetOptions> budgets,
    IOptions<AgentGuardRegistrations> registrations,
    IServiceProvider services) : IBudgetSessionProvider, IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<BudgetedSession>> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<GuardPolicy>> _policies = new(StringComparer.Ordinal);

    // One ledger per store: budgets kept in the same store share its connection.
    private readonly ConcurrentDictionary<string, Lazy<IBudgetLedger>> _ledgers = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> BudgetNames => [.. ClientsByBudget().Select(b => b.Key).Order(StringComparer.Ordinal)];

    public BudgetGuardHandler CreateHandler(string clientName)
    {
        var policy = _policies.GetOrAdd(clientName, name => new Lazy<GuardPolicy>(
            () => GuardPolicy.From(options.Get(name), (IBudgetScopeSelector?)services.GetService(typeof(IBudgetScopeSelector))))).Value;
        var session = GetSession(AgentGuardRegistrations.BudgetNameOf(clientName, options.Get(clientName)));
        return new BudgetGuardHandler(session, policy);
    }

    public BudgetedSession GetSession(string budgetName) =>
        _sessions.GetOrAdd(budgetName, name => new Lazy<BudgetedSession>(() => CreateSession(name))).Value;

    public BudgetedSession Get(string budgetName, BudgetScope? scope = null)
    {
        var session = GetSession(budgetName);
        return scope is null ? session : session.ForScope(scope);
    }

    /// <summary>The clients of each budget, with their options (validated, so a bad one throws here).</summary>
    public ILookup<string, (string Client, AgentGuardOptions Options)> ClientsByBudget() =>
        registrations.Value.ClientNames
            .Select(client => (Client: client, Options: options.Get(client)))
            .ToLookup(c => AgentGuardRegistrations.BudgetNameOf(c.Client, c.Options), StringComparer.Ordinal);

    /// <summary>Why clients that share a budget conflict, or a budget has two stores, or <see langword="null"/>.</summary>
    public string? FindConflicts()
    {
        ILookup<string, (string Client, AgentGuardOptions Options)> clients;
        try
        {
            clients = ClientsByBudget();
        }
        catch (OptionsValidationException)
        {
            // A client's own options are invalid: their validation reports it, once.
            return null;
        }

        var errors = new List<string>();
        foreach (var budget in clients)
        {
            var first = budget.First();
            string fingerprint = new BudgetDefinition(budget.Key, first.Options).Fingerprint();
            foreach (var other in budget.Skip(1))
            {
                if (other.Options.BudgetUsd != first.Options.BudgetUsd)
                {
                    errors.Add($"The HttpClients '{first.Client}' and '{other.Client}' share the budget '{budget.Key}' but configure different limits " +
                        $"({first.Options.BudgetUsd} and {other.Options.BudgetUsd} USD).");
                }
                else if (new BudgetDefinition(budget.Key, other.Options).Fingerprint() != fingerprint)
                {
                    errors.Add($"The HttpClients '{first.Client}' and '{other.Client}' share the budget '{budget.Key}' but configure it differently " +
                        "(warning thresholds, window, time zone or scope limits).");
                }
            }

            var stores = budgets.Get(budget.Key).Ledgers.Select(l => l.Description).Distinct(StringComparer.Ordinal).ToList();
            if (stores.Count > 1)
            {
                errors.Add($"The budget '{budget.Key}' is given {stores.Count} stores ({string.Join(", ", stores)}); a budget lives in one store.");
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
                $"No guarded HttpClient uses the budget '{budgetName}'. Budgets: {string.Join(", ", BudgetNames.Select(b => $"'{b}'"))}.");
        }

        if (FindConflicts() is { } conflict)
        {
            throw new OptionsValidationException(budgetName, typeof(AgentGuardOptions), [conflict]);
        }

        var time = (TimeProvider?)services.GetService(typeof(TimeProvider)) ?? TimeProvider.System;
        return new BudgetedSession(
            new BudgetDefinition(budgetName, clients[0].Options),
            LedgerOf(budgetName, time),
            clients.Select(c => c.Options.OnWarning).OfType<Action<BudgetWarning>>(),
            time,
            (ILoggerFactory?)services.GetService(typeof(ILoggerFactory)),
            AgentGuardMetrics.Create((IMeterFactory?)services.GetService(typeof(IMeterFactory))));
    }

    /// <summary>The registry created the stores' ledgers, so it closes their connections when the container is disposed.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var ledger in _ledgers.Values.Where(l => l.IsValueCreated).Select(l => l.Value))
        {
            if (ledger is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            }
            else if (ledger is IDisposable disposable)
            {
                disposable.Dispose();
            }
        }
    }

    /// <inheritdoc cref="DisposeAsync"/>
    public void Dispose()
    {
        foreach (var ledger in _ledgers.Values.Where(l => l.IsValueCreated).Select(l => l.Value))
        {
            if (ledger is IDisposable disposable)
            {
                disposable.Dispose();
            }
            else if (ledger is IAsyncDisposable asyncDisposable)
            {
                asyncDisposable.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
    }

    private IBudgetLedger LedgerOf(string budgetName, TimeProvider time)
    {
        if (budgets.Get(budgetName).Ledgers is not [var store, ..])
        {
            // The default: the budget lives in this process's memory, one ledger per budget.
            return new InMemoryBudgetLedger(time);
        }

        return _ledgers.GetOrAdd(store.Description, _ => new Lazy<IBudgetLedger>(() => store.Factory(services))).Value;
    }
}

/// <summary>Fails startup when clients that share a budget configure it differently.</summary>
internal sealed class SharedBudgetsValidator(BudgetRegistry registry) : IValidateOptions<SharedBudgetsMarker>
{
    public ValidateOptionsResult Validate(string? name, SharedBudgetsMarker options) =>
        registry.FindConflicts() is { } conflict ? ValidateOptionsResult.Fail(conflict) : ValidateOptionsResult.Success;
}
