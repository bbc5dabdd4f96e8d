using System.ClientModel;
using System.Net;
using System.Net.Sockets;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Tests.TestSupport;
using OpenAI.Chat;

namespace AgentGuard.Http.Tests.Handler;

/// <summary>
/// Every failure settles the reservation exactly once: released only when the call was certainly not billed,
/// charged in full when the outcome is unknown. The session never reports less than the server billed.
/// </summary>
public sealed class FailureSettlementTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(FakeFailure.RateLimit429)]
    [InlineData(FakeFailure.ServerError500)]
    [InlineData(FakeFailure.BadRequest400)]
    public async Task OpenAIRejections_ReleaseTheReservation(FakeFailure failure)
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { Failure = failure });

        var error = await Assert.ThrowsAsync<ClientResultException>(() => h.Chat().CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct));

        Assert.NotEqual(0, error.Status);
        Assert.Equal(0, h.Meter.TotalBilledMicros);
        Assert.Equal(0, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
        Assert.Contains(h.Logs.GetSnapshot(), r => r.Message.Contains("released", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(FakeFailure.BadGateway502)]
    [InlineData(FakeFailure.Timeout408)]
    public async Task UnknownOutcomes_AreChargedInFull(FakeFailure failure)
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { Failure = failure });

        await Assert.ThrowsAsync<ClientResultException>(() => h.Chat().CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct));

        Assert.True(h.Meter.TotalBilledMicros > 0);
        Assert.True(h.SpentMicros >= h.Meter.TotalBilledMicros, $"spent {h.SpentMicros} < billed {h.Meter.TotalBilledMicros}");
        Assert.Equal(0, h.ReservedMicros);
    }

    [Fact]
    public async Task RetriedRateLimits_AreEachReservedAndReleased()
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { Failure = FakeFailure.RateLimit429 });
        var retrying = GuardHarness.CreateOpenAIClient(h.Http, h.Server, maxRetries: 2);

        await Assert.ThrowsAsync<ClientResultException>(() => retrying.GetChatClient("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: Ct));

        Assert.Equal(3, h.Meter.TotalRequests);
        Assert.Equal(3, h.Session.GetSummary().Calls);
        Assert.Equal(0, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Fact]
    public async Task ServerErrorWithoutOpenAIBody_IsChargedInFull()
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { Failure = FakeFailure.BadGateway502 });

        using var response = await h.Http.PostAsync("chat/completions", ChatBodies.Json(ChatBodies.Simple(maxTokens: 10)), Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("<html", await response.Content.ReadAsStringAsync(Ct), StringComparison.OrdinalIgnoreCase);
        Assert.True(h.SpentMicros >= h.Meter.TotalBilledMicros);
        Assert.True(h.SpentMicros > 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task StreamCutMidway_IsChargedInFull(bool async)
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { Failure = FakeFailure.CutStreamMidway, OutputMode = FakeOutputMode.WorstCase });
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 300 };

        var error = await Record.ExceptionAsync(async () =>
        {
            if (async)
            {
                await foreach (var _ in h.Chat().CompleteChatStreamingAsync([new UserChatMessage("Hi")], options, Ct))
                {
                }
            }
            else
            {
                foreach (var _ in h.Chat().CompleteChatStreaming([new UserChatMessage("Hi")], options, Ct))
                {
                }
            }
        });

        Assert.NotNull(error);
        Assert.True(h.Meter.TotalBilledMicros > 0);
        Assert.True(h.SpentMicros >= h.Meter.TotalBilledMicros, $"spent {h.SpentMicros} < billed {h.Meter.TotalBilledMicros}");
        Assert.Equal(0, h.ReservedMicros);
        var charged = Assert.Single(h.Logs.GetSnapshot(), r => r.Id.Name == "ChargedInFull");
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Information, charged.Level);
        Assert.Contains(((decimal)h.SpentMicros / 1_000_000m).ToString(System.Globalization.CultureInfo.InvariantCulture), charged.Message, StringComparison.Ordinal);
        Assert.Contains("because", charged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionAbortedAfterSending_IsChargedInFull()
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { Failure = FakeFailure.AbortBeforeResponse });

        await Assert.ThrowsAsync<HttpRequestException>(() => h.Http.PostAsync("chat/completions", ChatBodies.Json(ChatBodies.Simple(maxTokens: 10)), Ct));

        Assert.True(h.Meter.TotalBilledMicros > 0);
        Assert.True(h.SpentMicros >= h.Meter.TotalBilledMicros);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Fact]
    public async Task ConnectionRefused_ReleasesTheReservation()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var session = BudgetedSession.Create(new AgentGuardOptions { BudgetUsd = 1m });
        using var http = new HttpClient(new BudgetGuardHandler(session, new AgentGuardOptions { BudgetUsd = 1m }) { InnerHandler = new SocketsHttpHandler() });

        var error = await Assert.ThrowsAsync<HttpRequestException>(() =>
            http.PostAsync(new Uri($"http://127.0.0.1:{port}/v1/chat/completions"), ChatBodies.Json(ChatBodies.Simple()), Ct));

        Assert.Equal(HttpRequestError.ConnectionError, error.HttpRequestError);
        Assert.Equal(0m, session.GetTotalSpent());
        Assert.Equal(0m, session.GetReserved());
        Assert.Equal(1, session.GetSummary().Calls);
    }

    [Fact]
    public async Task CancelledBeforeSending_ReleasesTheReservation()
    {
        await using var h = await GuardHarness.StartAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.Http.PostAsync("chat/completions", ChatBodies.Json(ChatBodies.Simple()), cancelled.Token));

        Assert.Equal(0, h.Meter.TotalRequests);
        Assert.Equal(0, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Fact]
    public async Task CancelledWhileTheServerWorks_IsChargedInFull()
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { ResponseDelay = TimeSpan.FromSeconds(30) });
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var call = h.Http.PostAsync("chat/completions", ChatBodies.Json(ChatBodies.Simple(maxTokens: 10)), cancel.Token);
        await WaitUntil(() => h.Meter.CurrentRequests == 1);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        Assert.True(h.SpentMicros > 0);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ResponseWithoutUsage_IsChargedInFull(bool stream)
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { OmitUsage = true });

        using var response = await h.Http.PostAsync("chat/completions", ChatBodies.Json(ChatBodies.Simple(maxTokens: 50, stream: stream, includeUsage: stream ? true : null)), Ct);
        _ = await response.Content.ReadAsStringAsync(Ct);

        Assert.True(h.SpentMicros > h.Meter.TotalBilledMicros);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Fact]
    public async Task GarbledSseLines_AreSkipped()
    {
        await using var h = await GuardHarness.StartAsync(behavior: new FakeBehavior { GarbleSse = true });

        using var response = await h.Http.PostAsync("chat/completions", ChatBodies.Json(ChatBodies.Simple(stream: true, includeUsage: true)), Ct);
        _ = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        // Waits for the server to hold the request; the outcome under test does not depend on timing.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }
}
