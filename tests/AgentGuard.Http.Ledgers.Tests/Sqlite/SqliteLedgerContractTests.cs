using AgentGuard.Http.Ledgers.Tests.Contract;
using AgentGuard.Http.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace AgentGuard.Http.Ledgers.Tests.Sqlite;

/// <summary>
/// The contract on the SQLite ledger, in a file of its own per test, with durable settings (synchronous=FULL). Its clock
/// is the injected TimeProvider, so a fake clock makes leases expire at once.
/// </summary>
public sealed class SqliteLedgerContractTests : LedgerContractTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly SqliteTestFile _file = new();

    protected override ValueTask<IBudgetLedger> CreateLedgerAsync() =>
        ValueTask.FromResult<IBudgetLedger>(new SqliteBudgetLedger(_file.Path, _time));

    protected override ValueTask LetShortLeaseExpireAsync()
    {
        _time.Advance(ShortLease + TimeSpan.FromSeconds(1));
        return ValueTask.CompletedTask;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _file.Dispose();
    }
}
