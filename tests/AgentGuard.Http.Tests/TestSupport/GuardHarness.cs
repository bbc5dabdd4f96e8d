using System.ClientModel;
using System.ClientModel.Primitives;
using AgentGuard.FakeOpenAI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using OpenAI;
using OpenAI.Chat;

namespace AgentGuard.Http.Tests.TestSupport;

/// <summary>
/// A fake OpenAI server on loopback, a budget, and an HttpClient guarded by it, with the real OpenAI SDK on top.
/// Each test gets its own, so that tests run in parallel without sharing a meter.
/// </summary>
internal sealed class GuardHarness : IAsyncDisposable
{
    private GuardHarness(FakeOpenAIServer server, AgentGuardOptions options, BudgetedSession session, HttpClient http, FakeLogCollector logs)
    {
        Server = server;
        Options = options;
        Session = session;
        Http = http;
        Logs = logs;
        OpenAI = CreateOpenAIClient(http, server, maxRetries: 0);
    }

    public FakeOpenAIServer Server { get; }

    public AgentGuardOptions Options { get; }

    public BudgetedSession Session { get; }

    /// <summary>The guarded HttpClient (base address: the fake's /v1/).</summary>
    public HttpClient Http { get; }

    /// <summary>The official SDK on the guarded HttpClient, without retries.</summary>
    public OpenAIClient OpenAI { get; }

    public FakeLogCollector Logs { get; }

    public FakeMeter Meter => Server.Meter;

    public long SpentMicros => ToMicros(Session.GetTotalSpent());

    public long ReservedMicros => ToMicros(Session.GetReserved());

    public static async Task<GuardHarness> StartAsync(
        decimal budgetUsd = 1m,
        Action<AgentGuardOptions>? configure = null,
        FakeBehavior? behavior = null,
        TimeProvider? time = null,
        IBudgetLedger? ledger = null)
    {
        var server = await FakeOpenAIServer.StartAsync(behavior, TestContext.Current.CancellationToken);
        var options = new AgentGuardOptions { BudgetUsd = budgetUsd, BudgetName = "test" };
        configure?.Invoke(options);
        var logs = new FakeLogCollector();
        var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(logs)));
        var session = BudgetedSession.Create(options, ledger, time, loggerFactory);
        var handler = new BudgetGuardHandler(session, options) { InnerHandler = new SocketsHttpHandler() };
        var http = new HttpClient(handler) { BaseAddress = server.BaseUrl };
        return new GuardHarness(server, options, session, http, logs);
    }

    public static OpenAIClient CreateOpenAIClient(HttpClient http, FakeOpenAIServer server, int maxRetries) => new(
        new ApiKeyCredential("sk-test"),
        new OpenAIClientOptions
        {
            Endpoint = server.BaseUrl,
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(maxRetries),
        });

    public ChatClient Chat(string model = "gpt-4o-mini") => OpenAI.GetChatClient(model);

    /// <summary>Log records at Error level or above (a settlement above its reservation logs at Error).</summary>
    public IReadOnlyList<FakeLogRecord> Errors => [.. Logs.GetSnapshot().Where(r => r.Level >= LogLevel.Error)];

    public static long ToMicros(decimal usd) => (long)(usd * 1_000_000m);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}
