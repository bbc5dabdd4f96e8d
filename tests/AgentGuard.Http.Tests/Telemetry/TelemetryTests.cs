using System.Diagnostics.Metrics;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;

namespace AgentGuard.Http.Tests.Telemetry;

/// <summary>The meter and the logs report what happened, and never what was said.</summary>
public sealed class TelemetryTests
{
    private const string Prompt = "my secret prompt about project unicorn";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Meter_CountsCallsRefusalsSpendAndReservations()
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { OutputMode = FakeOutputMode.WorstCase }, Ct);
        var services = new ServiceCollection().AddMetrics();
        services.AddHttpClient("openai").AddAgentGuard(o => o.BudgetUsd = 0.001m);
        await using var sp = services.BuildServiceProvider();
        var meterFactory = sp.GetRequiredService<IMeterFactory>();
        using var calls = new MetricCollector<long>(meterFactory, "AgentGuard.Http", "agentguard.calls");
        using var refused = new MetricCollector<long>(meterFactory, "AgentGuard.Http", "agentguard.refused_calls");
        using var spent = new MetricCollector<double>(meterFactory, "AgentGuard.Http", "agentguard.spent");
        using var reserved = new MetricCollector<double>(meterFactory, "AgentGuard.Http", "agentguard.reserved");
        var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient("openai");

        using var ok = await http.PostAsync(new Uri(server.BaseUrl, "chat/completions"), ChatBodies.Json(ChatBodies.Simple(maxTokens: 50)), Ct);
        await Assert.ThrowsAsync<BudgetExceededException>(() => http.PostAsync(new Uri(server.BaseUrl, "chat/completions"), ChatBodies.Json(ChatBodies.Simple("gpt-4o")), Ct));

        Assert.Equal(1, calls.GetMeasurementSnapshot().EvaluateAsCounter());
        var refusal = Assert.Single(refused.GetMeasurementSnapshot());
        Assert.Equal("budget_exceeded", refusal.Tags["agentguard.reason"]);
        Assert.Equal("gpt-4o", refusal.Tags["gen_ai.request.model"]);
        Assert.Equal("openai", refusal.Tags["gen_ai.provider.name"]);
        Assert.Equal("openai", calls.LastMeasurement!.Tags["gen_ai.provider.name"]);
        Assert.Equal((double)server.Meter.TotalBilledMicros / 1_000_000d, spent.GetMeasurementSnapshot().EvaluateAsCounter(), 9);
        Assert.Equal(0d, reserved.GetMeasurementSnapshot().Sum(m => m.Value), 9);
        Assert.Equal("settled_from_usage", spent.LastMeasurement!.Tags["agentguard.outcome"]);
        Assert.Equal("openai", spent.LastMeasurement.Tags["gen_ai.provider.name"]);
    }

    [Fact]
    public async Task Meter_TagsEveryMeasurementWithTheProviderTheCallWasSentTo()
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior(), Ct);
        var services = new ServiceCollection().AddMetrics();
        services.AddHttpClient("azure").AddAgentGuard(o =>
        {
            o.BudgetUsd = 1m;
            o.AzureDeployments["my-mini"] = new AzureDeployment { Model = "gpt-4o-mini" };
        });
        await using var sp = services.BuildServiceProvider();
        var meterFactory = sp.GetRequiredService<IMeterFactory>();
        using var calls = new MetricCollector<long>(meterFactory, "AgentGuard.Http", "agentguard.calls");
        using var spent = new MetricCollector<double>(meterFactory, "AgentGuard.Http", "agentguard.spent");
        using var refused = new MetricCollector<long>(meterFactory, "AgentGuard.Http", "agentguard.refused_calls");
        var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient("azure");

        using var ok = await http.PostAsync(new Uri(server.Root, "openai/deployments/my-mini/chat/completions?api-version=2024-10-21"),
            ChatBodies.Json("""{"messages":[{"role":"user","content":"Hi"}],"max_tokens":20}"""), Ct);
        await Assert.ThrowsAsync<UnboundedRequestException>(() => http.PostAsync(new Uri(server.Root, "openai/deployments/d/images/generations?api-version=2024-10-21"), ChatBodies.Json("{}"), Ct));

        Assert.Equal("azure.ai.openai", Assert.Single(calls.GetMeasurementSnapshot()).Tags["gen_ai.provider.name"]);
        Assert.Equal("azure.ai.openai", Assert.Single(spent.GetMeasurementSnapshot()).Tags["gen_ai.provider.name"]);
        var refusal = Assert.Single(refused.GetMeasurementSnapshot());
        Assert.Equal(("azure.ai.openai", "unbounded_endpoint"), (refusal.Tags["gen_ai.provider.name"], refusal.Tags["agentguard.reason"]));
    }

    [Fact]
    public async Task SettlementAboveItsReservation_IsRecordedInFull_LoggedAtErrorAndCounted()
    {
        // The request names no tier and the project default is standard, but the server bills priority (x1.67):
        // the truth is recorded even though it exceeds what was reserved.
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { OutputMode = FakeOutputMode.WorstCase, ReportedServiceTier = "priority" }, Ct);
        var services = new ServiceCollection().AddMetrics();
        services.AddHttpClient("openai").AddAgentGuard(o => o.BudgetUsd = 1m);
        await using var sp = services.BuildServiceProvider();
        using var above = new MetricCollector<long>(sp.GetRequiredService<IMeterFactory>(), "AgentGuard.Http", "agentguard.settlements_above_reservation");
        var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient("openai");

        using var response = await http.PostAsync(new Uri(server.BaseUrl, "chat/completions"), ChatBodies.Json(ChatBodies.Simple(maxTokens: 1000)), Ct);

        Assert.Equal(1, above.GetMeasurementSnapshot().EvaluateAsCounter());
        var session = sp.GetRequiredKeyedService<BudgetedSession>("openai");
        Assert.Equal(server.Meter.TotalBilledMicros, (long)(session.GetTotalSpent() * 1_000_000m));
    }

    [Fact]
    public async Task Logs_NeverContainPromptsResponsesOrTheApiKey()
    {
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.0003m, configure: o => o.ClampOutputToBudget = false);
        var chat = h.Chat();

        await chat.CompleteChatAsync([new OpenAI.Chat.UserChatMessage(Prompt)], new OpenAI.Chat.ChatCompletionOptions { MaxOutputTokenCount = 10 }, Ct);
        await Assert.ThrowsAsync<BudgetExceededException>(() => chat.CompleteChatAsync([new OpenAI.Chat.UserChatMessage(Prompt)], cancellationToken: Ct));
        await Assert.ThrowsAsync<UnboundedRequestException>(() => h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json("{" + Prompt), Ct));

        var records = h.Logs.GetSnapshot();
        Assert.Contains(records, r => r.Id.Name == "Settled");
        Assert.Contains(records, r => r.Id.Name == "BudgetExceeded" && r.Level == LogLevel.Warning);
        foreach (var record in records)
        {
            Assert.DoesNotContain("unicorn", record.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("sk-test", record.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("Héllo", record.Message, StringComparison.Ordinal);
        }
    }
}
