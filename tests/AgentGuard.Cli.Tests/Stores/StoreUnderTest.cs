using AgentGuard.Http;

namespace AgentGuard.Cli.Tests.Stores;

/// <summary>A ledger the tests fill in-process, and the <c>--ledger</c> spec (and environment) that names the same store for the CLI.</summary>
internal sealed class StoreUnderTest(IBudgetLedger ledger, string spec, IReadOnlyDictionary<string, string?>? environment = null, Func<ValueTask>? dispose = null) : IAsyncDisposable
{
    public IBudgetLedger Ledger { get; } = ledger;

    public string Spec { get; } = spec;

    public IReadOnlyDictionary<string, string?> Environment { get; } = environment ?? new Dictionary<string, string?>();

    public ValueTask DisposeAsync() => dispose?.Invoke() ?? ValueTask.CompletedTask;
}
