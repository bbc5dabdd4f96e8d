using System.Collections.Concurrent;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AgentGuard.Http.Tests.Scopes;

/// <summary>Hierarchical budgets (a call draws from its budget and its scopes, all or nothing) and calendar windows.</summary>
public sealed class ScopeAndWindowTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AmbientScope_ReservesFromTheBudgetAndTheScope_AndTheScopeLimitRefuses()
    {
        await using var h = await GuardHarness.StartAsync(budgetUsd: 1m, configure: o => o.ScopeLimits["tenant"] = new ScopeLimit { DefaultUsd = 0.001m, Overrides = { ["big"] = 0.5m } });

        BudgetExceededException refusal;
        using (BudgetScope.Begin("tenant", "small"))
        {
            await Post(h, "gpt-4o-mini", maxTokens: 100);
            refusal = await Assert.ThrowsAsync<BudgetExceededException>(() => Post(h, "gpt-4o", maxTokens: 1000));
        }

        using (BudgetScope.Begin("tenant", "big"))
        {
            await Post(h, "gpt-4o", maxTokens: 1000);
        }

        Assert.Equal("tenant:small", refusal.Scope);
        Assert.Contains("Budget 'test' (scope tenant:small) cannot cover", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0.001m, refusal.BudgetUsd);
        Assert.Equal(2, h.Meter.BilledRequests);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task ScopeCarriedByTheRequest_WinsOverTheAmbientScope()
    {
        var ledger = new InMemoryBudgetLedger();
        await using var h = await GuardHarness.StartAsync(ledger: ledger, configure: o => o.ScopeLimits["user"] = new ScopeLimit { DefaultUsd = 0.2m });
        using var ambient = BudgetScope.Begin("user", "ambient");
        using var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions") { Content = ChatBodies.Json(ChatBodies.Simple(maxTokens: 10)) };
        request.Options.Set(BudgetScope.RequestOptionKey, BudgetScope.Create(new BudgetScopeSegment("user", "carried")));

        using var response = await h.Http.SendAsync(request, Ct);
        _ = await response.Content.ReadAsStringAsync(Ct);

        var pools = await ledger.ListPoolsAsync("test", Ct);
        Assert.Equal(["test", "test/user:carried"], pools.Select(p => p.Key));
        Assert.Equal(pools[0].SpentMicros, pools[1].SpentMicros);
        Assert.True(pools[1].SpentMicros > 0);
        Assert.Equal(200_000, pools[1].LimitMicros);
    }

    [Fact]
    public async Task NestedScopes_DrawFromEveryLimitedLevel_AndUnlimitedLevelsHaveNoPool()
    {
        var ledger = new InMemoryBudgetLedger();
        await using var h = await GuardHarness.StartAsync(ledger: ledger, configure: o =>
        {
            o.ScopeLimits["tenant"] = new ScopeLimit { DefaultUsd = 0.3m };
            o.ScopeLimits["agent"] = new ScopeLimit { Overrides = { ["planner"] = 0.1m } };
        });

        using (BudgetScope.Begin("tenant", "acme"))
        using (BudgetScope.Begin("agent", "planner"))
        {
            await Post(h, "gpt-4o-mini", maxTokens: 10);
        }

        using (BudgetScope.Begin("tenant", "acme"))
        using (BudgetScope.Begin("agent", "coder"))
        {
            await Post(h, "gpt-4o-mini", maxTokens: 10);
        }

        var pools = (await ledger.ListPoolsAsync("test", Ct)).ToDictionary(p => p.Key);
        Assert.Equal(["test", "test/tenant:acme", "test/tenant:acme/agent:planner"], pools.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(pools["test"].SpentMicros, pools["test/tenant:acme"].SpentMicros);
        Assert.True(pools["test/tenant:acme/agent:planner"].SpentMicros < pools["test/tenant:acme"].SpentMicros);
    }

    [Fact]
    public async Task SessionProvider_GivesEachScopeItsOwnSession()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var services = new ServiceCollection();
        services.AddHttpClient("openai").AddAgentGuard(o =>
        {
            o.BudgetUsd = 1;
            o.BudgetName = "agents";
            o.ScopeLimits["tenant"] = new ScopeLimit { DefaultUsd = 0.25m };
        });
        await using var sp = services.BuildServiceProvider();
        var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient("openai");
        var tenant42 = BudgetScope.Create(new BudgetScopeSegment("tenant", "42"));

        using (BudgetScope.Begin("tenant", "42"))
        {
            using var response = await http.PostAsync(new Uri(server.BaseUrl, "chat/completions"), ChatBodies.Json(ChatBodies.Simple(maxTokens: 5)), Ct);
            response.EnsureSuccessStatusCode();
        }

        var provider = sp.GetRequiredService<IBudgetSessionProvider>();
        var session = provider.Get("agents", tenant42);
        var other = provider.Get("agents", BudgetScope.Create(new BudgetScopeSegment("tenant", "7")));
        Assert.Equal(0.25m, session.GetBudget());
        Assert.Equal(server.Meter.TotalBilledMicros, (long)(session.GetTotalSpent() * 1_000_000m));
        Assert.Equal(1, session.GetSummary().Calls);
        Assert.Equal(0m, other.GetTotalSpent());
        Assert.Equal(0, other.GetSummary().Calls);
        Assert.Equal(1, provider.Get("agents").GetSummary().Calls);
        Assert.Equal(["agents"], provider.BudgetNames);
        var unlimited = Assert.Throws<InvalidOperationException>(() => provider.Get("agents", BudgetScope.Create(new BudgetScopeSegment("user", "x"))));
        Assert.Contains("ScopeLimits[\"user\"]", unlimited.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScopeSelectorFromDI_ChoosesTheScope_WhenTheRequestCarriesNone()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var services = new ServiceCollection();
        services.AddSingleton<IBudgetScopeSelector>(new HeaderScopeSelector());
        services.AddHttpClient("openai").AddAgentGuard(o =>
        {
            o.BudgetUsd = 1;
            o.ScopeLimits["key"] = new ScopeLimit { DefaultUsd = 0.5m };
        });
        await using var sp = services.BuildServiceProvider();
        var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient("openai");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseUrl, "chat/completions")) { Content = ChatBodies.Json(ChatBodies.Simple(maxTokens: 5)) };
        request.Headers.Add("x-api-key-id", "k1");

        using var response = await http.SendAsync(request, Ct);
        response.EnsureSuccessStatusCode();

        var session = sp.GetRequiredService<IBudgetSessionProvider>().Get("openai", BudgetScope.Create(new BudgetScopeSegment("key", "k1")));
        Assert.True(session.GetTotalSpent() > 0m);
    }

    [Fact]
    public void BudgetScope_RejectsIdsThatWouldBreakPoolKeys()
    {
        var error = Assert.Throws<ArgumentException>(() => BudgetScope.Begin("tenant", "a/b"));

        Assert.Contains("none of / : @", error.Message, StringComparison.Ordinal);
        Assert.Null(BudgetScope.Current);
    }

    [Fact]
    public async Task MonthlyWindow_StartsEmptyEachMonth_InTheConfiguredTimeZone_WithoutAnyReset()
    {
        // 2026-11-30 23:30 UTC is already December in Paris (UTC+1).
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 22, 30, 0, TimeSpan.Zero));
        var warnings = new ConcurrentQueue<BudgetWarning>();
        var ledger = new InMemoryBudgetLedger(time);
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.0001m, time: time, ledger: ledger, configure: o =>
        {
            o.Window = BudgetWindow.Monthly;
            o.TimeZone = "Europe/Paris";
            o.WarningThresholds = [1m];
            o.OnWarning = warnings.Enqueue;
        });

        await Post(h, "gpt-4o-mini", maxTokens: 5);
        long november = h.SpentMicros;
        time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(0, h.SpentMicros);
        await Post(h, "gpt-4o-mini", maxTokens: 5);

        var pools = await ledger.ListPoolsAsync("test", Ct);
        Assert.Equal(["test@2026-11", "test@2026-12"], pools.Select(p => p.Key));
        Assert.True(november > 0);
        Assert.Equal(november, pools[0].SpentMicros);
        Assert.Equal(["2026-11", "2026-12"], warnings.Select(w => w.Window));
    }

    [Theory]
    [InlineData(BudgetWindow.Daily, "2026-11-29")]
    [InlineData(BudgetWindow.Weekly, "2026-W48")]
    [InlineData(BudgetWindow.Monthly, "2026-11")]
    public async Task Windows_AreNamedInPoolKeys(BudgetWindow window, string name)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        var ledger = new InMemoryBudgetLedger(time);
        await using var h = await GuardHarness.StartAsync(time: time, ledger: ledger, configure: o => o.Window = window);

        await Post(h, "gpt-4o-mini", maxTokens: 5);

        Assert.Equal($"test@{name}", Assert.Single(await ledger.ListPoolsAsync("test", Ct)).Key);
    }

    [Fact]
    public async Task ResetOfAWindowedBudget_ResetsTheCurrentWindowOnly()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        var ledger = new InMemoryBudgetLedger(time);
        await using var h = await GuardHarness.StartAsync(time: time, ledger: ledger, configure: o => o.Window = BudgetWindow.Daily);
        await Post(h, "gpt-4o-mini", maxTokens: 5);
        time.Advance(TimeSpan.FromDays(1));
        await Post(h, "gpt-4o-mini", maxTokens: 5);

        h.Session.Reset();

        var pools = await ledger.ListPoolsAsync("test", Ct);
        Assert.True(pools.Single(p => p.Key == "test@2026-11-29").SpentMicros > 0);
        Assert.Equal(0, pools.Single(p => p.Key == "test@2026-11-30").SpentMicros);
    }

    [Fact]
    public void ClientsSharingABudget_WithDifferentWindows_FailAtStartup()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("a").AddAgentGuard(o => { o.BudgetUsd = 5; o.BudgetName = "shared"; o.Window = BudgetWindow.Daily; });
        services.AddHttpClient("b").AddAgentGuard(o => { o.BudgetUsd = 5; o.BudgetName = "shared"; });
        using var sp = services.BuildServiceProvider();

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => sp.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate());

        Assert.Contains("share the budget 'shared' but configure it differently", error.Message, StringComparison.Ordinal);
    }

    private static async Task Post(GuardHarness h, string model, int maxTokens)
    {
        using var response = await h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(ChatBodies.Simple(model, maxTokens: maxTokens)), Ct);
        _ = await response.Content.ReadAsStringAsync(Ct);
        response.EnsureSuccessStatusCode();
    }

    private sealed class HeaderScopeSelector : IBudgetScopeSelector
    {
        public BudgetScope? SelectScope(HttpRequestMessage request) =>
            request.Headers.TryGetValues("x-api-key-id", out var values) ? BudgetScope.Create(new BudgetScopeSegment("key", values.First())) : null;
    }
}
