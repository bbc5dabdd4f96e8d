using AgentGuard.Http;
using AgentGuard.Http.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentGuard.Cli.Ledgers;

/// <summary>
/// An opened ledger. This is the one place the CLI creates ledgers: through the store package's own
/// <c>Use...Ledger</c> registration, so the CLI's ledger is wrapped (retries, fail closed, description without credentials)
/// exactly as an application's is, and no store's rules are repeated here.
/// </summary>
internal sealed class OpenLedger : IAsyncDisposable
{
    // Any valid name: the registration is only a way to reach the store's factory, no budget is created by it.
    private const string RegistrationName = "agentguard-cli";

    private OpenLedger(IBudgetLedger ledger, string description)
    {
        Ledger = ledger;
        Description = description;
    }

    public IBudgetLedger Ledger { get; }

    /// <summary>The store, without credentials (<c>sqlite:/path</c>, <c>redis:host:port</c>, <c>postgres://host:port/db</c>).</summary>
    public string Description { get; }

    /// <summary>Opens the ledger and checks that its store answers, so that a wrong address fails before any work.</summary>
    public static async Task<OpenLedger> OpenAsync(string? option, CancellationToken cancellationToken)
    {
        var spec = LedgerSpec.Resolve(option);
        spec.EnsureExists();

        var services = new ServiceCollection();
        spec.Register(services.AddAgentGuardBudget(RegistrationName));
        LedgerRegistration registration;
        IBudgetLedger ledger;
        await using (var provider = services.BuildServiceProvider())
        {
            registration = provider.GetRequiredService<IOptionsMonitor<AgentGuardBudgetOptions>>().Get(RegistrationName).Ledgers.Single();
            ledger = registration.Factory(provider);
        }

        var opened = new OpenLedger(ledger, registration.Description);
        try
        {
            await ledger.PingAsync(cancellationToken).ConfigureAwait(false);
            return opened;
        }
        catch
        {
            await opened.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        object inner = Ledger is ResilientBudgetLedger resilient ? resilient.Inner : Ledger;
        switch (inner)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }
}
