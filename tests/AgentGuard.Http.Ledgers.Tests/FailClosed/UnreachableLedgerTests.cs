using System.Text;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace AgentGuard.Http.Ledgers.Tests.FailClosed;

/// <summary>
/// A guarded call whose budget's store cannot be reached is refused before it is sent (fail closed), unless the user
/// opted into fail-open, which forwards it and says so loudly. The store here is real: a SQLite file that cannot be opened.
/// </summary>
public sealed class UnreachableLedgerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UnreachableStore_RefusesTheCall_NothingIsSent(bool async)
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var options = new AgentGuardOptions { BudgetUsd = 1m, BudgetName = "agents" };
        using var http = Guarded(options, UnreachableLedger(), server, new FakeLogCollector());

        var refusal = await Assert.ThrowsAsync<BudgetLedgerUnavailableException>(() => Send(http, async));

        Assert.Contains("is unavailable", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("The call was not sent.", refusal.Message, StringComparison.Ordinal);
        Assert.StartsWith("sqlite:", refusal.Ledger, StringComparison.Ordinal);
        Assert.Equal(0, server.Meter.TotalRequests);
    }

    [Fact]
    public async Task UnreachableStore_WithFailOpen_ForwardsTheCall_AndLogsItAtCritical()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var options = new AgentGuardOptions { BudgetUsd = 1m, BudgetName = "agents", FailOpen = true };
        var logs = new FakeLogCollector();
        using var http = Guarded(options, UnreachableLedger(), server, logs);

        using var response = await Send(http, async: true);

        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal(1, server.Meter.TotalRequests);
        var critical = Assert.Single(logs.GetSnapshot(), r => r.Level == LogLevel.Critical);
        Assert.Equal("FailedOpen", critical.Id.Name);
        Assert.Contains("WITHOUT A RESERVATION", critical.Message, StringComparison.Ordinal);
    }

    private static IBudgetLedger UnreachableLedger()
    {
        string path = Path.Combine(Path.GetTempPath(), $"agentguard-missing-{Guid.NewGuid():N}", "budget.db");
        return new ResilientBudgetLedger(new SqliteBudgetLedger(path), $"sqlite:{path}", SqliteBudgetLedger.IsTransient);
    }

    private static HttpClient Guarded(AgentGuardOptions options, IBudgetLedger ledger, FakeOpenAIServer server, FakeLogCollector logs)
    {
        var loggerFactory = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(logs)));
        var session = BudgetedSession.Create(options, ledger, loggerFactory: loggerFactory);
        return new HttpClient(new BudgetGuardHandler(session, options) { InnerHandler = new SocketsHttpHandler() }) { BaseAddress = server.BaseUrl };
    }

    private static async Task<HttpResponseMessage> Send(HttpClient http, bool async)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"),
        };
        return async ? await http.SendAsync(request, Ct) : http.Send(request, Ct);
    }
}
