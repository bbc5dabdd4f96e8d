using System.ClientModel;
using System.ClientModel.Primitives;
using AgentGuard.FakeOpenAI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;

namespace AgentGuard.Http.Tests.DependencyInjection;

/// <summary>Registration through IHttpClientFactory, in the style of Microsoft.Extensions.Http.Resilience.</summary>
public sealed class AddAgentGuardTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AddAgentGuard_GuardsTheNamedClient_AndTheSessionIsResolvableByBudgetName()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var services = new ServiceCollection();
        services.AddHttpClient("openai").AddAgentGuard(o => o.BudgetUsd = 5);
        await using var sp = services.BuildServiceProvider();
        var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient("openai");
        var openai = new OpenAIClient(new ApiKeyCredential("sk-test"), new OpenAIClientOptions { Endpoint = server.BaseUrl, Transport = new HttpClientPipelineTransport(http) });

        await openai.GetChatClient("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct);

        var session = sp.GetRequiredKeyedService<BudgetedSession>("openai");
        Assert.Equal(5m, session.GetBudget());
        Assert.Equal(server.Meter.TotalBilledMicros, (long)(session.GetTotalSpent() * 1_000_000m));
        Assert.Equal(1, session.GetSummary().Calls);
    }

    [Fact]
    public async Task AddAgentGuard_WithTheServiceProvider_LetsCallbacksUseServices()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var services = new ServiceCollection();
        services.AddSingleton<RefusalNotes>();
        services.AddHttpClient("openai").AddAgentGuard((sp, o) =>
        {
            var notes = sp.GetRequiredService<RefusalNotes>();
            o.BudgetUsd = 0.0001m;
            o.OnBudgetExceeded = e => notes.Models.Add(e.Model);
        });
        await using var sp = services.BuildServiceProvider();
        var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient("openai");

        await Assert.ThrowsAsync<BudgetExceededException>(() => http.PostAsync(new Uri(server.BaseUrl, "chat/completions"),
            new StringContent("""{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}""", System.Text.Encoding.UTF8, "application/json"), Ct));

        Assert.Equal(["gpt-4o"], sp.GetRequiredService<RefusalNotes>().Models);
        Assert.Equal(0, server.Meter.TotalRequests);
    }

    [Fact]
    public void AddAgentGuard_WithTheServiceProvider_IsValidatedAtStartup()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("openai").AddAgentGuard((_, o) => o.BudgetUsd = -1);
        using var sp = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptionsMonitor<AgentGuardOptions>>().Get("openai"));

        Assert.Contains("BudgetUsd", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigureHttpClientDefaults_GuardsEveryClient_IncludingCreateClientWithoutAName()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var services = new ServiceCollection();
        services.ConfigureHttpClientDefaults(b => b.AddAgentGuard(o => o.BudgetUsd = 2));
        services.AddHttpClient("named");
        await using var sp = services.BuildServiceProvider();
        var factory = sp.GetRequiredService<IHttpClientFactory>();

        foreach (var http in new[] { factory.CreateClient(), factory.CreateClient("named"), factory.CreateClient("anything") })
        {
            using var response = await http.PostAsync(new Uri(server.BaseUrl, "chat/completions"),
                new StringContent("""{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":"Hi"}]}""", System.Text.Encoding.UTF8, "application/json"), Ct);
            response.EnsureSuccessStatusCode();
        }

        var budget = sp.GetRequiredKeyedService<BudgetedSession>("default");
        Assert.Equal(3, budget.GetSummary().Calls);
        Assert.Equal(server.Meter.TotalBilledMicros, (long)(budget.GetTotalSpent() * 1_000_000m));
    }

    private sealed class RefusalNotes
    {
        public List<string> Models { get; } = [];
    }

    [Fact]
    public async Task ClientsNamingTheSameBudget_ShareOnePool()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var services = new ServiceCollection();
        services.AddHttpClient("planner").AddAgentGuard(o => { o.BudgetUsd = 3; o.BudgetName = "team"; });
        services.AddHttpClient("coder").AddAgentGuard(o => { o.BudgetUsd = 3; o.BudgetName = "team"; });
        await using var sp = services.BuildServiceProvider();
        var factory = sp.GetRequiredService<IHttpClientFactory>();

        foreach (var name in new[] { "planner", "coder", "planner" })
        {
            using var response = await factory.CreateClient(name).PostAsync(new Uri(server.BaseUrl, "chat/completions"),
                new StringContent("""{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":"Hi"}]}""", System.Text.Encoding.UTF8, "application/json"), Ct);
            response.EnsureSuccessStatusCode();
        }

        var team = sp.GetRequiredKeyedService<BudgetedSession>("team");
        Assert.Equal(3, team.GetSummary().Calls);
        Assert.Equal(server.Meter.TotalBilledMicros, (long)(team.GetTotalSpent() * 1_000_000m));
    }

    [Fact]
    public void ClientsSharingABudgetWithDifferentLimits_FailAtStartup()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("a").AddAgentGuard(o => { o.BudgetUsd = 5; o.BudgetName = "shared"; });
        services.AddHttpClient("b").AddAgentGuard(o => { o.BudgetUsd = 10; o.BudgetName = "shared"; });
        using var sp = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("share the budget 'shared' but configure different limits (5 and 10 USD)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "BudgetUsd is required")]
    [InlineData(-3, "BudgetUsd must be greater than zero")]
    public void InvalidBudget_FailsAtStartup(decimal budget, string message)
    {
        var services = new ServiceCollection();
        services.AddHttpClient("openai").AddAgentGuard(o => o.BudgetUsd = budget);
        using var sp = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoBudgetConfigured_FailsAtStartup()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("openai").AddAgentGuard(_ => { });
        using var sp = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("AgentGuardOptions.BudgetUsd is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigurationBinding_BindsOptions_AndAThresholdListReplacesTheDefaults()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentGuard:BudgetUsd"] = "7.5",
            ["AgentGuard:BudgetName"] = "agents",
            ["AgentGuard:WarningThresholds:0"] = "50",
            ["AgentGuard:WarningThresholds:1"] = "90",
            ["AgentGuard:ServiceTier"] = "Flex",
            ["AgentGuard:LeaseDuration"] = "00:02:00",
            ["AgentGuard:Prices:my-model:InputUsdPerMillionTokens"] = "1.5",
            ["AgentGuard:Prices:my-model:OutputUsdPerMillionTokens"] = "3",
            ["AgentGuard:Prices:my-model:ContextWindowTokens"] = "8000",
            ["AgentGuard:Prices:my-model:MaxOutputTokens"] = "1000",
        }).Build();
        var services = new ServiceCollection();
        services.AddHttpClient("openai").AddAgentGuard(configuration.GetSection("AgentGuard"));
        using var sp = services.BuildServiceProvider();

        sp.GetRequiredService<IStartupValidator>().Validate();
        var options = sp.GetRequiredService<IOptionsMonitor<AgentGuardOptions>>().Get("openai");

        Assert.Equal(7.5m, options.BudgetUsd);
        Assert.Equal([50m, 90m], options.WarningThresholds);
        Assert.Equal(ServiceTier.Flex, options.ServiceTier);
        Assert.Equal(TimeSpan.FromMinutes(2), options.LeaseDuration);
        Assert.Equal(1.5m, options.Prices["my-model"].InputUsdPerMillionTokens);
        Assert.Equal(7.5m, sp.GetRequiredKeyedService<BudgetedSession>("agents").GetBudget());
    }

    [Fact]
    public void ConfigurationBinding_IsStrict_AnUnknownKeyFailsAtStartup()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AgentGuard:BudgetUsd"] = "5",
            ["AgentGuard:BugdetName"] = "typo",
        }).Build();
        var services = new ServiceCollection();
        services.AddHttpClient("openai").AddAgentGuard(configuration.GetSection("AgentGuard"));
        using var sp = services.BuildServiceProvider();

        var error = Assert.ThrowsAny<InvalidOperationException>(() => sp.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("BugdetName", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedPricesFile_FailsAtStartup_NamingTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"agentguard-prices-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{"models":{"x":{"input":1}}}""");
        try
        {
            var services = new ServiceCollection();
            services.AddHttpClient("openai").AddAgentGuard(o => { o.BudgetUsd = 5; o.PricesFile = path; });
            using var sp = services.BuildServiceProvider();

            var error = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IStartupValidator>().Validate());

            Assert.Contains(path, error.Message, StringComparison.Ordinal);
            Assert.Contains("model 'x' needs \"input\", \"output\"", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void UnknownBudgetName_ThrowsNamingTheKnownBudgets()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("openai").AddAgentGuard(o => o.BudgetUsd = 5);
        using var sp = services.BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => sp.GetRequiredKeyedService<BudgetedSession>("nope"));

        Assert.Contains("'nope'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'openai'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheUnnamedClient_UsesTheDefaultBudget()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var services = new ServiceCollection();
        services.AddHttpClient(Options.DefaultName).AddAgentGuard(o => o.BudgetUsd = 1);
        await using var sp = services.BuildServiceProvider();

        using var response = await sp.GetRequiredService<HttpClient>().PostAsync(new Uri(server.BaseUrl, "chat/completions"),
            new StringContent("""{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":"Hi"}]}""", System.Text.Encoding.UTF8, "application/json"), Ct);

        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal(1, sp.GetRequiredKeyedService<BudgetedSession>("default").GetSummary().Calls);
    }
}
