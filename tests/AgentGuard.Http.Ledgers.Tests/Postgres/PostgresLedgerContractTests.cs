using AgentGuard.Http.Ledgers.Tests.Contract;
using AgentGuard.Http.Postgres;

namespace AgentGuard.Http.Ledgers.Tests.Postgres;

/// <summary>
/// The contract on PostgreSQL (a private server shared by the tests, which keep apart by budget names). Leases expire
/// by the database's clock, which no fake can move: short real leases, and waiting polls that clock.
/// </summary>
public sealed class PostgresLedgerContractTests : LedgerContractTests
{
    private PostgresTestServer? _server;

    protected override TimeSpan ShortLease => TimeSpan.FromSeconds(1.5);

    protected override bool FastExpiry => false;

    protected override async ValueTask<IBudgetLedger> CreateLedgerAsync()
    {
        _server = await PostgresTestServer.SharedAsync();
        return new PostgresBudgetLedger(new PostgresLedgerOptions { ConnectionString = _server.ConnectionString() });
    }

    protected override async ValueTask LetShortLeaseExpireAsync() =>
        await _server!.LetDatabaseTimePassAsync(ShortLease + TimeSpan.FromMilliseconds(100));
}
