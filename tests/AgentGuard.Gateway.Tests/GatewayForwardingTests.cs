using System.ClientModel;
using System.Text;
using System.Text.Json;
using AgentGuard.FakeOpenAI;
using OpenAI;
using OpenAI.Chat;

namespace AgentGuard.Gateway.Tests;

/// <summary>The OpenAI SDK pointed at the gateway: guarded, settled at what the upstream bills, never over the budget.</summary>
public sealed class GatewayForwardingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ChatClient Chat(GatewayHost gateway, string key = GatewayHost.Key, string model = "gpt-4o-mini") =>
        new(model, new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = gateway.OpenAIBaseUrl, RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0) });

    private static long Micros(decimal usd) => (long)Math.Ceiling(usd * 1_000_000m);

    [Fact]
    public async Task ChatCompletion_ThroughTheGateway_IsSettledAtWhatTheUpstreamBilled()
    {
        await using var fake = await FakeOpenAIServer.StartAsync(ct: Ct);
        await using var gateway = await GatewayHost.StartAsync(fake.Root, budgetUsd: 1);

        ChatCompletion completion = await Chat(gateway).CompleteChatAsync([new UserChatMessage("Name three rivers.")], cancellationToken: Ct);

        Assert.Equal(FakeBehavior.DefaultContentText, completion.Content[0].Text);
        Assert.Equal(1, fake.Meter.BilledRequests);
        Assert.True(fake.Meter.TotalBilledMicros > 0);
        Assert.Equal(fake.Meter.TotalBilledMicros, Micros(gateway.Session.GetTotalSpent()));
        Assert.Equal(0m, gateway.Session.GetReserved());
    }

    [Fact]
    public async Task StreamedChat_ThroughTheGateway_ArrivesWhole_AndIsSettledFromItsUsage()
    {
        await using var fake = await FakeOpenAIServer.StartAsync(new FakeBehavior { SplitSse = true }, Ct);
        await using var gateway = await GatewayHost.StartAsync(fake.Root, budgetUsd: 1);

        var text = new StringBuilder();
        await foreach (var update in Chat(gateway).CompleteChatStreamingAsync([new UserChatMessage("Stream it.")], cancellationToken: Ct))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        Assert.Equal(FakeBehavior.DefaultContentText, text.ToString());
        Assert.Equal(fake.Meter.TotalBilledMicros, Micros(gateway.Session.GetTotalSpent()));
        Assert.Equal(0m, gateway.Session.GetReserved());
    }

    [Fact]
    public async Task ManyConcurrentAgents_AtTheWorstCase_NeverBillMoreThanTheBudget_AndAreNeverUnderCounted()
    {
        const decimal budget = 0.05m;
        await using var fake = await FakeOpenAIServer.StartAsync(new FakeBehavior { OutputMode = FakeOutputMode.WorstCase }, Ct);
        await using var gateway = await GatewayHost.StartAsync(fake.Root, budget);
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 2_000 };

        int admitted = 0, refused = 0;
        await Parallel.ForAsync(0, 48, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = Ct }, async (i, ct) =>
        {
            try
            {
                await Chat(gateway).CompleteChatAsync([new UserChatMessage($"Agent {i}: plan the next step.")], options, ct);
                Interlocked.Increment(ref admitted);
            }
            catch (ClientResultException ex) when (ex.Status == 402)
            {
                Interlocked.Increment(ref refused);
            }
        });

        Assert.True(admitted > 0 && refused > 0, $"{admitted} admitted, {refused} refused: the budget should have run out midway");
        Assert.True(fake.Meter.TotalBilledUsd <= budget, $"the upstream billed {fake.Meter.TotalBilledUsd} USD of a {budget} USD budget");
        Assert.Equal(fake.Meter.TotalBilledMicros, Micros(gateway.Session.GetTotalSpent()));
        Assert.Equal(admitted, fake.Meter.BilledRequests);
        Assert.Equal(0m, gateway.Session.GetReserved());
    }

    [Fact]
    public async Task AKeysScope_IsChargedBesideTheBudget()
    {
        await using var fake = await FakeOpenAIServer.StartAsync(ct: Ct);
        await using var gateway = await GatewayHost.StartAsync(fake.Root, budgetUsd: 1, new Dictionary<string, string?>
        {
            ["AgentGuard:ScopeLimits:tenant:DefaultUsd"] = "0.5",
        });

        await Chat(gateway, GatewayHost.OtherKey).CompleteChatAsync([new UserChatMessage("Hi from acme.")], cancellationToken: Ct);
        await Chat(gateway, GatewayHost.Key).CompleteChatAsync([new UserChatMessage("Hi from no tenant.")], cancellationToken: Ct);

        var acme = gateway.ScopedSession(Http.BudgetScope.Create(new Http.BudgetScopeSegment("tenant", "acme")));
        Assert.Equal(fake.Meter.TotalBilledMicros, Micros(gateway.Session.GetTotalSpent()));
        Assert.Equal(fake.Meter.Calls[0].CostMicros, Micros(acme.GetSummary().Spent));
    }

    [Fact]
    public async Task TheBudgetsRefusal_IsA402InOpenAIsShape_ThatTheSdkDoesNotRetry()
    {
        await using var fake = await FakeOpenAIServer.StartAsync(ct: Ct);
        await using var gateway = await GatewayHost.StartAsync(fake.Root, budgetUsd: 0.000001m);
        var client = new ChatClient("gpt-4o", new ApiKeyCredential(GatewayHost.Key), new OpenAIClientOptions { Endpoint = gateway.OpenAIBaseUrl });

        var ex = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync([new UserChatMessage("Too dear.")], cancellationToken: Ct));

        Assert.Equal(402, ex.Status);
        var response = ex.GetRawResponse()!;
        Assert.Equal("false", response.Headers.TryGetValue("x-should-retry", out var retry) ? retry : null);
        var error = JsonDocument.Parse(response.Content.ToString()).RootElement.GetProperty("error");
        Assert.Equal("budget_exceeded", error.GetProperty("code").GetString());
        Assert.Contains("cannot cover this call", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, fake.Meter.TotalRequests);
    }
}
