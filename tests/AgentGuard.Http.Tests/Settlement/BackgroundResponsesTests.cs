using System.Net;
using System.Text;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Providers.OpenAI;
using AgentGuard.Http.Settlement;
using Microsoft.Extensions.Time.Testing;

namespace AgentGuard.Http.Tests.Settlement;

public sealed class BackgroundResponsesTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromHours(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void TryAdd_AtCapacity_RefusesUntilALeaseExpires()
    {
        var time = new FakeTimeProvider();
        var session = BudgetedSession.Create(new AgentGuardOptions { BudgetUsd = 1m }, timeProvider: time);
        var pending = new BackgroundResponses(capacity: 2);

        Assert.True(pending.TryAdd("resp_1", Reservation(session, reserve: false)));
        time.Advance(TimeSpan.FromMinutes(30));
        Assert.True(pending.TryAdd("resp_2", Reservation(session, reserve: false)));
        Assert.False(pending.TryAdd("resp_3", Reservation(session, reserve: false)));

        // resp_1's lease ran out: the ledger charged it in full, so its place can go to a new one.
        time.Advance(TimeSpan.FromMinutes(31));
        Assert.True(pending.TryAdd("resp_3", Reservation(session, reserve: false)));
        Assert.False(pending.Contains("resp_1"));
        Assert.True(pending.Contains("resp_2"));
        Assert.Equal(2, pending.Count);
    }

    [Fact]
    public async Task WaitForOutcomeAsync_WhenTheBudgetWaitsForAsManyAsItKeeps_ChargesTheNewOneInFull()
    {
        var session = BudgetedSession.Create(new AgentGuardOptions { BudgetUsd = 1m });
        for (int i = 0; i < BackgroundResponses.DefaultCapacity; i++)
        {
            Assert.True(session.BackgroundResponses.TryAdd($"resp_{i}", Reservation(session, reserve: false)));
        }

        var overflow = Reservation(session, reserve: true);
        await BackgroundResponses.WaitForOutcomeAsync(overflow, "resp_overflow", async: true);

        Assert.True(overflow.IsSettled);
        Assert.False(session.BackgroundResponses.Contains("resp_overflow"));
        Assert.Equal(0.001m, session.GetTotalSpent());
        Assert.Equal(0m, session.GetReserved());
    }

    [Fact]
    public async Task ObserveRetrievalAsync_IdNotWaitedFor_ReturnsTheResponseUnread()
    {
        var session = BudgetedSession.Create(new AgentGuardOptions { BudgetUsd = 1m });
        var content = new UnreadableContent();
        using var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = content };

        var observed = await BackgroundResponses.ObserveRetrievalAsync(session, "resp_1", response, async: true, Ct);

        Assert.Same(response, observed);
        Assert.Same(content, observed.Content);
    }

    [Theory]
    [InlineData("queued")]
    [InlineData("in_progress")]
    public async Task ObserveRetrievalAsync_StillRunning_KeepsWaiting(string status)
    {
        var session = BudgetedSession.Create(new AgentGuardOptions { BudgetUsd = 1m });
        var reservation = Reservation(session, reserve: true);
        Assert.True(session.BackgroundResponses.TryAdd("resp_1", reservation));
        string body = $$"""{"id":"resp_1","object":"response","status":"{{status}}","usage":null}""";

        using var response = await BackgroundResponses.ObserveRetrievalAsync(session, "resp_1", Json(body), async: true, Ct);

        Assert.Equal(body, await response.Content.ReadAsStringAsync(Ct));
        Assert.False(reservation.IsSettled);
        Assert.True(session.BackgroundResponses.Contains("resp_1"));
        Assert.Equal(0.001m, session.GetReserved());
    }

    [Fact]
    public async Task ObserveRetrievalAsync_Completed_SettlesFromUsageAndRemembersItsTokens()
    {
        var session = BudgetedSession.Create(new AgentGuardOptions { BudgetUsd = 1m });
        var reservation = Reservation(session, reserve: true);
        Assert.True(session.BackgroundResponses.TryAdd("resp_1", reservation));
        const string body = """{"id":"resp_1","object":"response","status":"completed","usage":{"input_tokens":100,"output_tokens":10}}""";

        using var response = await BackgroundResponses.ObserveRetrievalAsync(session, "resp_1", Json(body), async: false, Ct);

        Assert.Equal(body, await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.True(reservation.IsSettled);
        Assert.False(session.BackgroundResponses.Contains("resp_1"));

        // gpt-4o-mini: 100 x 0.15 + 10 x 0.6 = 21 micro-dollars.
        Assert.Equal(0.000021m, session.GetTotalSpent());
        Assert.Equal(0m, session.GetReserved());
        Assert.True(session.ResponseTokens.TryGet("resp_1", out long tokens));
        Assert.Equal(110, tokens);
    }

    [Theory]
    [InlineData("cancelled")]
    [InlineData("failed")]
    public async Task ObserveRetrievalAsync_EndedWithoutUsage_ChargesInFull(string status)
    {
        var session = BudgetedSession.Create(new AgentGuardOptions { BudgetUsd = 1m });
        var reservation = Reservation(session, reserve: true);
        Assert.True(session.BackgroundResponses.TryAdd("resp_1", reservation));

        using var response = await BackgroundResponses.ObserveRetrievalAsync(session, "resp_1", Json($$"""{"id":"resp_1","status":"{{status}}","usage":null}"""), async: true, Ct);

        Assert.True(reservation.IsSettled);
        Assert.Equal(0.001m, session.GetTotalSpent());
        Assert.False(session.BackgroundResponses.Contains("resp_1"));
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound, "application/json")]
    [InlineData(HttpStatusCode.OK, "text/event-stream")]
    public async Task ObserveRetrievalAsync_NotAJsonAnswer_KeepsWaitingUnread(HttpStatusCode status, string mediaType)
    {
        var session = BudgetedSession.Create(new AgentGuardOptions { BudgetUsd = 1m });
        var reservation = Reservation(session, reserve: true);
        Assert.True(session.BackgroundResponses.TryAdd("resp_1", reservation));
        var content = new UnreadableContent();
        content.Headers.ContentType = new(mediaType);
        using var response = new HttpResponseMessage(status) { Content = content };

        var observed = await BackgroundResponses.ObserveRetrievalAsync(session, "resp_1", response, async: true, Ct);

        Assert.Same(content, observed.Content);
        Assert.False(reservation.IsSettled);
    }

    private static HttpResponseMessage Json(string body) => new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    /// <summary>A reservation of 1,000 micro-dollars for gpt-4o-mini; made in the ledger when it will be settled.</summary>
    private static CallReservation Reservation(BudgetedSession session, bool reserve)
    {
        string leaseId = Guid.NewGuid().ToString("N");
        if (reserve)
        {
            Assert.True(session.Ledger.Reserve(new ReservationRequest(leaseId, session.PoolsFor(null), 1_000, Lease)).Granted);
        }

        Assert.True(PriceTable.Embedded.TryResolve("gpt-4o-mini", out var model));
        return new CallReservation(session, null, "gpt-4o-mini", model, ServiceTier.Standard, leaseId, 1_000, Lease);
    }

    /// <summary>Content whose reading fails the test: what must pass through unread.</summary>
    private sealed class UnreadableContent : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
            throw new InvalidOperationException("The content was read.");

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
