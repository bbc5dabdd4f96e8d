using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace AgentGuard.Http.Tests.Handler;

/// <summary>Reservations nobody settles are charged when their lease expires; resets keep calls in flight.</summary>
public sealed class LeaseAndResetTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UnreadStream_IsChargedInFullWhenItsLeaseExpires_AndALateReadRefundsToTheActualCost()
    {
        var time = new FakeTimeProvider();
        await using var h = await GuardHarness.StartAsync(time: time, configure: o => o.LeaseDuration = TimeSpan.FromMinutes(5));
        using var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions") { Content = ChatBodies.Json(ChatBodies.Simple(maxTokens: 100, stream: true, includeUsage: true)) };
        using var response = await h.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        long reserved = h.ReservedMicros;
        Assert.True(reserved > 0);

        time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(0, h.ReservedMicros);
        Assert.Equal(reserved, h.SpentMicros);

        _ = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task StreamReadSlowly_ExtendsItsLease_SoItIsNeverChargedWhileItRuns()
    {
        var time = new FakeTimeProvider();
        await using var h = await GuardHarness.StartAsync(time: time, configure: o => o.LeaseDuration = TimeSpan.FromMinutes(2),
            behavior: new FakeBehavior { SplitSse = true, SplitSeed = 5 });
        using var request = new HttpRequestMessage(HttpMethod.Post, "chat/completions") { Content = ChatBodies.Json(ChatBodies.Simple(maxTokens: 100, stream: true, includeUsage: true)) };
        using var response = await h.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        await using var stream = await response.Content.ReadAsStreamAsync(Ct);
        var buffer = new byte[4];

        // Ten minutes of reading a 2-minute lease, one minute per read: each read past half the lease renews it.
        for (int i = 0; i < 10; i++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            Assert.True(h.ReservedMicros > 0, $"the lease expired after {i + 1} minutes of reading");
            Assert.NotEqual(0, await stream.ReadAsync(buffer, Ct));
        }

        while (await stream.ReadAsync(buffer, Ct) > 0)
        {
        }

        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Fact]
    public async Task DisposedUnreadResponse_IsChargedInFull()
    {
        await using var h = await GuardHarness.StartAsync();
        var response = await h.Http.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, "chat/completions") { Content = ChatBodies.Json(ChatBodies.Simple(maxTokens: 100, stream: true, includeUsage: true)) },
            HttpCompletionOption.ResponseHeadersRead, Ct);
        long reserved = h.ReservedMicros;

        response.Dispose();

        Assert.Equal(reserved, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Fact]
    public async Task Reset_ZeroesSpentAndCounts_ButKeepsCallsInFlight_WhichSettleIntoTheResetBudget()
    {
        await using var h = await GuardHarness.StartAsync();
        _ = await (await h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(ChatBodies.Simple(maxTokens: 10)), Ct)).Content.ReadAsStringAsync(Ct);
        long firstCall = h.SpentMicros;
        using var inFlight = await h.Http.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, "chat/completions") { Content = ChatBodies.Json(ChatBodies.Simple(maxTokens: 100, stream: true, includeUsage: true)) },
            HttpCompletionOption.ResponseHeadersRead, Ct);
        long reserved = h.ReservedMicros;

        h.Session.Reset();

        Assert.True(firstCall > 0);
        Assert.Equal(0, h.SpentMicros);
        Assert.Equal(reserved, h.ReservedMicros);
        Assert.Equal(0, h.Session.GetSummary().Calls);
        Assert.Empty(h.Session.GetSummary().SpendByModel);

        _ = await inFlight.Content.ReadAsStringAsync(Ct);

        Assert.Equal(h.Meter.TotalBilledMicros - firstCall, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Fact]
    public async Task GetRemainingBudget_AccountsForCallsInFlight_AndNeverGoesBelowZero()
    {
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.01m);
        using var inFlight = await h.Http.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, "chat/completions") { Content = ChatBodies.Json(ChatBodies.Simple(maxTokens: 1000, stream: true, includeUsage: true)) },
            HttpCompletionOption.ResponseHeadersRead, Ct);

        Assert.Equal(0.01m - h.Session.GetReserved(), h.Session.GetRemainingBudget());
        var summary = h.Session.GetSummary();
        Assert.Equal(summary.Budget - summary.Spent - summary.Reserved, summary.Remaining);
    }
}
