using System.Diagnostics;
using AgentGuard.Http.Sqlite;
using Microsoft.Data.Sqlite;

namespace AgentGuard.Http.Ledgers.Tests.Sqlite;

/// <summary>
/// A store that cannot be used refuses calls with <see cref="BudgetLedgerUnavailableException"/> quickly (fail closed):
/// through the resilient wrapper that <c>UseSqliteLedger</c> registers.
/// </summary>
public sealed class SqliteLedgerUnavailableTests : IDisposable
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(5);
    private readonly SqliteTestFile _file = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _file.Dispose();

    [Fact]
    public async Task DirectoryThatDoesNotExist_RefusesReserve_SyncAndAsync_Quickly()
    {
        using var raw = new SqliteBudgetLedger(Path.Combine(_file.Directory, "missing", "budget.db"));

        await AssertUnavailableQuickly(raw);
        Assert.False(Directory.Exists(Path.Combine(_file.Directory, "missing")));
    }

    [Fact]
    public async Task FileThatIsNotADatabase_RefusesReserve_SyncAndAsync_Quickly()
    {
        await File.WriteAllTextAsync(_file.Path, new string('x', 4096), Ct);
        using var raw = new SqliteBudgetLedger(_file.Path);

        var error = await AssertUnavailableQuickly(raw);

        Assert.Equal(26, Assert.IsType<SqliteException>(error.InnerException).SqliteErrorCode); // SQLITE_NOTADB
    }

    [Fact]
    public async Task DatabaseHeldByAnotherProcess_IsRetriedAsBusy_ThenRefused_WithinABoundedTime()
    {
        using var raw = new SqliteBudgetLedger(new SqliteLedgerOptions { Path = _file.Path, BusyTimeout = TimeSpan.FromMilliseconds(100) });
        await raw.PingAsync(Ct);
        using var holder = new SqliteConnection($"Data Source={_file.Path};Pooling=False");
        holder.Open();
        using var exclusive = holder.CreateCommand();
        exclusive.CommandText = "BEGIN EXCLUSIVE;";
        exclusive.ExecuteNonQuery();
        var ledger = Wrap(raw);

        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<BudgetLedgerUnavailableException>(() => ledger.Reserve(Request("busy")));

        Assert.True(SqliteBudgetLedger.IsTransient(error.InnerException!), error.InnerException!.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"refused after {clock.Elapsed}");
        exclusive.CommandText = "ROLLBACK;";
        exclusive.ExecuteNonQuery();
        Assert.True(ledger.Reserve(Request("free")).Granted);
    }

    [Fact]
    public void Errors_AreTransientOnlyWhenBusyOrLocked()
    {
        Assert.True(SqliteBudgetLedger.IsTransient(new SqliteException("busy", 5)));
        Assert.True(SqliteBudgetLedger.IsTransient(new SqliteException("locked", 6)));
        Assert.False(SqliteBudgetLedger.IsTransient(new SqliteException("cannot open", 14)));
        Assert.False(SqliteBudgetLedger.IsTransient(new SqliteException("not a database", 26)));
        Assert.False(SqliteBudgetLedger.IsTransient(new IOException("disk")));
    }

    private static async Task<BudgetLedgerUnavailableException> AssertUnavailableQuickly(SqliteBudgetLedger raw)
    {
        var ledger = Wrap(raw);
        var clock = Stopwatch.StartNew();

        var sync = Assert.Throws<BudgetLedgerUnavailableException>(() => ledger.Reserve(Request("sync")));
        var async = await Assert.ThrowsAsync<BudgetLedgerUnavailableException>(async () => await ledger.ReserveAsync(Request("async"), Ct));
        await Assert.ThrowsAsync<BudgetLedgerUnavailableException>(async () => await ledger.PingAsync(Ct));

        Assert.True(clock.Elapsed < s_bound, $"refused after {clock.Elapsed}");
        Assert.Equal(raw.Description, sync.Ledger);
        Assert.Contains(raw.FilePath, async.Message, StringComparison.Ordinal);
        Assert.IsType<SqliteException>(async.InnerException);
        return async;
    }

    private static ResilientBudgetLedger Wrap(SqliteBudgetLedger raw) => new(raw, raw.Description, SqliteBudgetLedger.IsTransient);

    private static ReservationRequest Request(string lease) => new(lease, [new BudgetPool("agents", 10_000)], 100, TimeSpan.FromMinutes(1));
}
