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

    protected override LedgerBatchStatistics? BatchStatistics => ((SqliteBudgetLedger)Ledger).BatchStatistics;

    // A held round waits for the file as long as the test holds it.
    protected override ValueTask<IBudgetLedger> CreateLedgerAsync() =>
        ValueTask.FromResult<IBudgetLedger>(new SqliteBudgetLedger(new SqliteLedgerOptions { Path = _file.Path, BusyTimeout = TimeSpan.FromMinutes(1) }, _time));

    protected override ValueTask<IAsyncDisposable?> HoldStoreAsync(IReadOnlyList<BudgetPool> pools) =>
        ValueTask.FromResult<IAsyncDisposable?>(new SqliteFileHolder(_file.Path));

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
