using AgentGuard.Http.Ledgers.Tests.Contract;
using Microsoft.Extensions.Time.Testing;

namespace AgentGuard.Http.Ledgers.Tests.InMemory;

/// <summary>The contract on the default ledger, with a fake clock.</summary>
public sealed class InMemoryLedgerContractTests : LedgerContractTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    protected override ValueTask<IBudgetLedger> CreateLedgerAsync() => ValueTask.FromResult<IBudgetLedger>(new InMemoryBudgetLedger(_time));

    protected override ValueTask LetShortLeaseExpireAsync()
    {
        _time.Advance(ShortLease + TimeSpan.FromSeconds(1));
        return ValueTask.CompletedTask;
    }
}
