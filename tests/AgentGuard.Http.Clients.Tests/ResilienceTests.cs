using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Clients.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using OpenAI.Chat;

namespace AgentGuard.Http.Clients.Tests;

/// <summary>
/// Microsoft.Extensions.Http.Resilience around the guard. The first handler added to a client is the outermost: a guard
/// added AFTER <c>AddStandardResilienceHandler</c> / <c>AddStandardHedgingHandler</c> sits inside them and sees every attempt
/// that can be billed; a guard added before sees one call, however many requests the server bills for it.
/// The fake fails the first attempts through <see cref="FailurePlan"/> (the <c>x-fake-failure</c> header): 429 is not billed,
/// 502 (a proxy's HTML page) is billed in full.
/// </summary>
public sealed class ResilienceTests
{
    private const string Client = "openai";

    private static CancellationToken Ct => Guarded.Ct;

    /// <summary>Retries at once: the tests wait for nothing.</summary>
    private static void ImmediateRetries(HttpStandardResilienceOptions o)
    {
        o.Retry.Delay = TimeSpan.Zero;
        o.Retry.MaxRetryAttempts = 3;
    }

    /// <summary>All hedged copies sent at once (Delay zero): the original and two copies.</summary>
    private static void ParallelHedging(HttpStandardHedgingResilienceOptions o)
    {
        o.Hedging.Delay = TimeSpan.Zero;
        o.Hedging.MaxHedgedAttempts = 2;
    }

    private static ChatClient Chat(ServiceProvider provider, FakeOpenAIServer server, string model = "gpt-4o-mini") =>
        new(model, Guarded.Credential, Guarded.OpenAIOptions(provider.GetRequiredService<IHttpClientFactory>().CreateClient(Client), server));

    private static long SpentMicros(ServiceProvider provider) => Guarded.ToMicros(provider.GetRequiredKeyedService<BudgetedSession>(Client).GetTotalSpent());

    private static BudgetSummary Summary(ServiceProvider provider) => provider.GetRequiredKeyedService<BudgetedSession>(Client).GetSummary();

    [Fact]
    public async Task GuardInsideTheRetries_ReservesEveryAttempt_Releases429s_AndChargesOnlyWhatWasBilled()
    {
        // One reservation of this call (10,000 output tokens of gpt-4o-mini, about 0.006 USD) fits the budget, two do not:
        // the retry gets through only because the 429 attempts' reservations were released.
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var plan = new FailurePlan(failures: 2, FakeFailure.RateLimit429);
        var services = new ServiceCollection();
        services.AddHttpClient(Client).AddStandardResilienceHandler(ImmediateRetries);
        services.AddHttpClient(Client)
            .AddAgentGuard(o => o.BudgetUsd = 0.01m)      // added after: inside the retries
            .AddHttpMessageHandler(plan.CreateHandler);
        await using var provider = services.BuildServiceProvider();

        ChatCompletion reply = await Chat(provider, server).CompleteChatAsync([new UserChatMessage("Hi")], new ChatCompletionOptions { MaxOutputTokenCount = 10_000 }, Ct);

        Assert.Equal(FakeBehavior.DefaultContentText, reply.Content[0].Text);
        Assert.Equal(3, server.Meter.TotalRequests);
        Assert.Equal(1, server.Meter.BilledRequests);
        Assert.Equal(3, Summary(provider).Calls);   // every attempt reserved
        Assert.Equal(server.Meter.TotalBilledMicros, SpentMicros(provider));
        Assert.Equal(0m, Summary(provider).Reserved);
    }

    [Fact]
    public async Task GuardInsideTheRetries_StreamsToo_SessionEqualsMeter()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var plan = new FailurePlan(failures: 1, FakeFailure.RateLimit429);
        var services = new ServiceCollection();
        services.AddHttpClient(Client).AddStandardResilienceHandler(ImmediateRetries);
        services.AddHttpClient(Client).AddAgentGuard(o => o.BudgetUsd = 1m).AddHttpMessageHandler(plan.CreateHandler);
        await using var provider = services.BuildServiceProvider();

        int updates = 0;
        await foreach (var _ in Chat(provider, server).CompleteChatStreamingAsync([new UserChatMessage("Hi")], cancellationToken: Ct))
        {
            updates++;
        }

        Assert.True(updates > 1);
        Assert.Equal((2, 1), (server.Meter.TotalRequests, server.Meter.BilledRequests));
        Assert.Equal(2, Summary(provider).Calls);
        Assert.Equal(server.Meter.TotalBilledMicros, SpentMicros(provider));
    }

    [Fact]
    public async Task GuardInsideTheRetries_ABilledFailedAttempt_IsChargedItsReservation()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var plan = new FailurePlan(failures: 1, FakeFailure.BadGateway502);
        var services = new ServiceCollection();
        services.AddHttpClient(Client).AddStandardResilienceHandler(ImmediateRetries);
        services.AddHttpClient(Client).AddAgentGuard(o => o.BudgetUsd = 1m).AddHttpMessageHandler(plan.CreateHandler);
        await using var provider = services.BuildServiceProvider();

        await Chat(provider, server).CompleteChatAsync([new UserChatMessage("Hi")], new ChatCompletionOptions { MaxOutputTokenCount = 100 }, Ct);

        var (failed, succeeded) = (server.Meter.Calls[0], server.Meter.Calls[1]);
        Assert.Equal((FakeFailure.BadGateway502, FakeFailure.None), (failed.Failure, succeeded.Failure));
        Assert.Equal(2, Summary(provider).Calls);
        Assert.True(SpentMicros(provider) >= server.Meter.TotalBilledMicros);
        Assert.True(SpentMicros(provider) > 2 * succeeded.CostMicros, "the 502 attempt was charged its upper bound, not nothing");
    }

    [Fact]
    public async Task GuardOutsideTheRetries_SeesOneCall_SoABilledFailedAttemptGoesUncharged()
    {
        // The wrong order, documented: the guard added BEFORE the resilience handler reserves and settles once per
        // SDK call, while the retries inside it send (and the server bills) more requests than it sees.
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var plan = new FailurePlan(failures: 1, FakeFailure.BadGateway502);
        var services = new ServiceCollection();
        services.AddHttpClient(Client).AddAgentGuard(o => o.BudgetUsd = 1m);   // added first: outside the retries
        services.AddHttpClient(Client).AddStandardResilienceHandler(ImmediateRetries);
        services.AddHttpClient(Client).AddHttpMessageHandler(plan.CreateHandler);
        await using var provider = services.BuildServiceProvider();

        await Chat(provider, server).CompleteChatAsync([new UserChatMessage("Hi")], new ChatCompletionOptions { MaxOutputTokenCount = 100 }, Ct);

        Assert.Equal(2, server.Meter.BilledRequests);
        Assert.Equal(1, Summary(provider).Calls);
        Assert.Equal(server.Meter.Calls[1].CostMicros, SpentMicros(provider));   // the successful attempt's usage only
        Assert.True(SpentMicros(provider) < server.Meter.TotalBilledMicros, "the server billed more than the budget recorded");
    }

    [Fact]
    public async Task GuardOutsideTheRetries_With429s_StillMatchesTheMeter_BecauseRejectedAttemptsAreNotBilled()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var plan = new FailurePlan(failures: 2, FakeFailure.RateLimit429);
        var services = new ServiceCollection();
        services.AddHttpClient(Client).AddAgentGuard(o => o.BudgetUsd = 1m);
        services.AddHttpClient(Client).AddStandardResilienceHandler(ImmediateRetries);
        services.AddHttpClient(Client).AddHttpMessageHandler(plan.CreateHandler);
        await using var provider = services.BuildServiceProvider();

        await Chat(provider, server).CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct);

        Assert.Equal((3, 1), (server.Meter.TotalRequests, server.Meter.BilledRequests));
        Assert.Equal(1, Summary(provider).Calls);
        Assert.Equal(server.Meter.TotalBilledMicros, SpentMicros(provider));
    }

    [Fact]
    public async Task WorstCase_GuardInsideTheRetries_ManyCallsOnASmallBudget_TheServerNeverBillsMoreThanTheBudget()
    {
        // Every call: a 429 (not billed), a 502 (billed in full), then an answer; each attempt is reserved on its own.
        const decimal budget = 0.03m;
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { OutputMode = FakeOutputMode.WorstCase }, Ct);
        var plan = new FailurePlan(attempt => (attempt % 3) switch
        {
            1 => FakeFailure.RateLimit429,
            2 => FakeFailure.BadGateway502,
            _ => FakeFailure.None,
        });
        var services = new ServiceCollection();
        services.AddHttpClient(Client).AddStandardResilienceHandler(ImmediateRetries);
        services.AddHttpClient(Client).AddAgentGuard(o => o.BudgetUsd = budget).AddHttpMessageHandler(plan.CreateHandler);
        await using var provider = services.BuildServiceProvider();
        var chat = Chat(provider, server);
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 1_500 };
        int completed = 0;
        BudgetExceededException? refusal = null;

        for (int i = 0; i < 40 && refusal is null; i++)
        {
            try
            {
                await chat.CompleteChatAsync([new UserChatMessage($"Call {i}")], options, Ct);
                completed++;
            }
            catch (BudgetExceededException ex)
            {
                refusal = ex;
            }

            Assert.True(server.Meter.TotalBilledUsd <= budget, $"the server billed {server.Meter.TotalBilledUsd} USD of a {budget} USD budget");
            Assert.True(SpentMicros(provider) >= server.Meter.TotalBilledMicros);
        }

        Assert.NotNull(refusal);
        Assert.True(completed >= 5, $"{completed} calls completed");
        Assert.Equal(completed, server.Meter.Calls.Count(c => c.Failure == FakeFailure.None));
        Assert.True(server.Meter.Calls.Count(c => c.Failure == FakeFailure.BadGateway502) >= completed);
        Assert.Equal(0m, Summary(provider).Reserved);
    }

    [Fact]
    public async Task HedgingWithTheGuardInside_ReservesEveryParallelCopy()
    {
        // Three copies at once: two answered 502 (billed in full), one answered. Each is a billable request, and the guard
        // inside the hedging handler reserves each one.
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var plan = new FailurePlan(failures: 2, FakeFailure.BadGateway502);
        var services = new ServiceCollection();
        services.AddHttpClient(Client).AddStandardHedgingHandler().Configure(ParallelHedging);
        services.AddHttpClient(Client).AddAgentGuard(o => o.BudgetUsd = 1m).AddHttpMessageHandler(plan.CreateHandler);
        await using var provider = services.BuildServiceProvider();

        await Chat(provider, server).CompleteChatAsync([new UserChatMessage("Hi")], new ChatCompletionOptions { MaxOutputTokenCount = 100 }, Ct);

        // Copies still in flight when one succeeds are cancelled: the server bills two or three of them, by timing.
        // Whatever it bills, the guard reserved every copy it sent, so the budget records no less than the bill.
        Assert.InRange(server.Meter.BilledRequests, 1, 3);
        Assert.InRange(Summary(provider).Calls, server.Meter.BilledRequests, 3);
        Assert.True(SpentMicros(provider) >= server.Meter.TotalBilledMicros);
        Assert.Equal(0m, Summary(provider).Reserved);
    }

    [Fact]
    public async Task HedgingWithTheGuardOutside_ReservesOnce_WhileTheServerBillsEveryCopy()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var plan = new FailurePlan(failures: 2, FakeFailure.BadGateway502);
        var services = new ServiceCollection();
        services.AddHttpClient(Client).AddAgentGuard(o => o.BudgetUsd = 1m);   // added first: outside the hedging
        services.AddHttpClient(Client).AddStandardHedgingHandler().Configure(ParallelHedging);
        services.AddHttpClient(Client).AddHttpMessageHandler(plan.CreateHandler);
        await using var provider = services.BuildServiceProvider();

        await Chat(provider, server).CompleteChatAsync([new UserChatMessage("Hi")], new ChatCompletionOptions { MaxOutputTokenCount = 100 }, Ct);

        // The guard outside sees one call, whatever number of copies the server bills (two or three, by timing).
        Assert.Equal(1, Summary(provider).Calls);
        Assert.InRange(server.Meter.BilledRequests, 1, 3);
        if (server.Meter.BilledRequests > 1)
        {
            Assert.True(SpentMicros(provider) < server.Meter.TotalBilledMicros, "the server billed copies of a call the budget recorded once");
        }
    }
}
