using System.Net;
using System.Text;
using AgentGuard.Http.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentGuard.Http.Ledgers.Tests.Sqlite;

/// <summary><c>AddAgentGuardBudget(name).UseSqliteLedger(path)</c> keeps the budget of every client that names it in the file.</summary>
public sealed class SqliteLedgerRegistrationTests : IDisposable
{
    private readonly SqliteTestFile _file = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _file.Dispose();

    [Fact]
    public async Task UseSqliteLedger_TheBudgetsSessionAndGuardedCalls_KeepTheirStateInTheFile()
    {
        using var sp = Services(_file.Path);
        sp.GetRequiredService<IStartupValidator>().Validate();
        var session = sp.GetRequiredKeyedService<BudgetedSession>("agents");

        using var response = await sp.GetRequiredService<IHttpClientFactory>().CreateClient("a").PostAsync(
            "https://api.openai.com/v1/chat/completions",
            new StringContent("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello"}],"max_tokens":10}""", Encoding.UTF8, "application/json"),
            Ct);

        // A second, separately constructed ledger on the same file sees what the guarded call recorded.
        using var other = new SqliteBudgetLedger(_file.Path);
        var pool = await other.GetStateAsync(new BudgetPool("agents", 1), Ct);
        var entry = Assert.Single(await other.ReadSpendLogAsync(new SpendLogQuery("agents"), Ct));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((5_000_000L, 0L), (pool.LimitMicros, pool.ReservedMicros));
        Assert.True(pool.SpentMicros > 0);
        Assert.Equal((SpendOutcome.SettledFromUsage, "gpt-4o-mini", 10L, 5L, pool.SpentMicros), (entry.Outcome, entry.Model, entry.InputTokens, entry.OutputTokens, entry.CostMicros));

        // And the session sees what the other ledger does.
        Assert.True(other.Reserve(new ReservationRequest("elsewhere", [new BudgetPool("agents", 1)], 1_250_000, TimeSpan.FromHours(1))).Granted);
        Assert.Equal(1.25m, session.GetReserved());
        other.Commit("elsewhere", 1_000_000);
        Assert.Equal((1_000_000m + pool.SpentMicros) / 1_000_000m, session.GetTotalSpent());
    }

    [Fact]
    public void TwoDifferentStores_ForOneBudget_FailAtStartup_NamingTheBudget()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("a").AddAgentGuard(o => { o.BudgetUsd = 5; o.BudgetName = "agents"; });
        services.AddAgentGuardBudget("agents").UseSqliteLedger(_file.Path);
        services.AddAgentGuardBudget("agents").UseSqliteLedger(Path.Combine(_file.Directory, "other.db"));
        using var sp = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("The budget 'agents' is given 2 stores", error.Message, StringComparison.Ordinal);
        Assert.Contains($"sqlite:{_file.Path}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSameFile_NamedTwice_IsOneStore()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("a").AddAgentGuard(o => { o.BudgetUsd = 5; o.BudgetName = "agents"; });
        services.AddAgentGuardBudget("agents").UseSqliteLedger(_file.Path);
        services.AddAgentGuardBudget("agents").UseSqliteLedger(Path.Combine(_file.Directory, ".", "budget.db"));
        using var sp = services.BuildServiceProvider();

        sp.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public async Task TheLimitFromOptions_SeedsThePool_AndAStoredLimit_SurvivesARestart()
    {
        using (var first = Services(_file.Path))
        {
            Assert.Equal(5m, first.GetRequiredKeyedService<BudgetedSession>("agents").GetBudget());
        }

        using (var cli = new SqliteBudgetLedger(_file.Path))
        {
            Assert.Equal(5_000_000, (await cli.GetStateAsync(new BudgetPool("agents", 1), Ct)).LimitMicros);
            await cli.SetLimitAsync("agents", 7_000_000, Ct);
        }

        // A new process with the same options: the stored limit wins over the configured seed.
        using var restarted = Services(_file.Path);
        Assert.Equal(7m, restarted.GetRequiredKeyedService<BudgetedSession>("agents").GetBudget());
        using var reopened = new SqliteBudgetLedger(_file.Path);
        Assert.Equal(7_000_000, reopened.GetState(new BudgetPool("agents", 5_000_000)).LimitMicros);
    }

    private static ServiceProvider Services(string path)
    {
        var services = new ServiceCollection();
        services.AddHttpClient("a")
            .AddAgentGuard(o => { o.BudgetUsd = 5; o.BudgetName = "agents"; })
            .ConfigurePrimaryHttpMessageHandler(() => new OpenAIStandIn());
        services.AddAgentGuardBudget("agents").UseSqliteLedger(path);
        return services.BuildServiceProvider();
    }

    /// <summary>Answers a chat completion with its usage, as OpenAI would (the tests never reach the network).</summary>
    private sealed class OpenAIStandIn : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(
                    """
                    {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-mini-2024-07-18",
                     "choices":[{"index":0,"message":{"role":"assistant","content":"Hi there"},"finish_reason":"stop"}],
                     "usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}
                    """,
                    Encoding.UTF8,
                    "application/json"),
            });
    }
}
