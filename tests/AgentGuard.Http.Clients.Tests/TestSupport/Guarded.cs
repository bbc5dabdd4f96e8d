using System.ClientModel;
using System.ClientModel.Primitives;
using AgentGuard.FakeOpenAI;
using OpenAI;

namespace AgentGuard.Http.Clients.Tests.TestSupport;

/// <summary>
/// One test's world: a fake OpenAI server on loopback (the oracle that bills), a budget, and an HttpClient guarded by
/// it. Each test starts its own, so tests run in parallel without sharing a meter or a budget.
/// </summary>
internal sealed class Guarded : IAsyncDisposable
{
    public const string ApiKey = "sk-test";

    private Guarded(FakeOpenAIServer server, AgentGuardOptions options, BudgetedSession session, HttpClient http)
    {
        Server = server;
        Options = options;
        Session = session;
        Http = http;
    }

    public FakeOpenAIServer Server { get; }

    public AgentGuardOptions Options { get; }

    public BudgetedSession Session { get; }

    /// <summary>The guarded HttpClient (no base address: the SDKs send absolute URIs).</summary>
    public HttpClient Http { get; }

    public FakeMeter Meter => Server.Meter;

    public static ApiKeyCredential Credential => new(ApiKey);

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>What the guard settled, in micro-dollars.</summary>
    public long SpentMicros => ToMicros(Session.GetTotalSpent());

    public long ReservedMicros => ToMicros(Session.GetReserved());

    /// <summary>
    /// Starts a fake server and a guarded HttpClient. <paramref name="inner"/> sits between the guard and the network
    /// (for example a handler that makes the fake fail the first attempts).
    /// </summary>
    public static async Task<Guarded> StartAsync(
        decimal budgetUsd = 1m,
        Action<AgentGuardOptions>? configure = null,
        FakeBehavior? behavior = null,
        Func<HttpMessageHandler, HttpMessageHandler>? inner = null)
    {
        var server = await FakeOpenAIServer.StartAsync(behavior, Ct);
        var options = new AgentGuardOptions { BudgetUsd = budgetUsd, BudgetName = "clients" };
        configure?.Invoke(options);
        var session = BudgetedSession.Create(options);
        HttpMessageHandler network = new SocketsHttpHandler();
        var handler = new BudgetGuardHandler(session, options) { InnerHandler = inner?.Invoke(network) ?? network };
        return new Guarded(server, options, session, new HttpClient(handler));
    }

    /// <summary>The official SDK's options on <paramref name="http"/>, pointed at the fake, without the SDK's own retries.</summary>
    public static OpenAIClientOptions OpenAIOptions(HttpClient http, FakeOpenAIServer server) => new()
    {
        Endpoint = server.BaseUrl,
        Transport = new HttpClientPipelineTransport(http),
        RetryPolicy = new ClientRetryPolicy(0),
    };

    public OpenAIClientOptions OpenAIOptions() => OpenAIOptions(Http, Server);

    public static long ToMicros(decimal usd) => (long)(usd * 1_000_000m);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>
/// Decides the failure the fake answers each attempt with (by the attempt's number, from 1), through the
/// <c>x-fake-failure</c> header. The factory builds a handler per pipeline: the count lives here.
/// </summary>
internal sealed class FailurePlan(Func<int, FakeFailure> schedule)
{
    private int _attempts;

    /// <summary>The first <paramref name="failures"/> attempts fail with <paramref name="failure"/>, the others succeed.</summary>
    public FailurePlan(int failures, FakeFailure failure = FakeFailure.RateLimit429)
        : this(attempt => attempt <= failures ? failure : FakeFailure.None)
    {
    }

    public int Attempts => Volatile.Read(ref _attempts);

    public DelegatingHandler CreateHandler() => new Handler(this);

    private void Mark(HttpRequestMessage request)
    {
        request.Headers.Remove(FakeHeaders.Failure);
        if (schedule(Interlocked.Increment(ref _attempts)) is var failure and not FakeFailure.None)
        {
            request.Headers.TryAddWithoutValidation(FakeHeaders.Failure, failure.ToString());
        }
    }

    private sealed class Handler(FailurePlan plan) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            plan.Mark(request);
            return base.SendAsync(request, cancellationToken);
        }

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            plan.Mark(request);
            return base.Send(request, cancellationToken);
        }
    }
}

/// <summary>Records the method and path (with query) of every request that passes it.</summary>
internal sealed class RecordRequests : DelegatingHandler
{
    private readonly List<string> _requests = [];

    public IReadOnlyList<string> Requests { get { lock (_requests) { return [.. _requests]; } } }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Record(request);
        return base.SendAsync(request, cancellationToken);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Record(request);
        return base.Send(request, cancellationToken);
    }

    private void Record(HttpRequestMessage request)
    {
        lock (_requests)
        {
            _requests.Add($"{request.Method} {request.RequestUri?.PathAndQuery}");
        }
    }
}
