using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using AgentGuard.Http.Tests.TestSupport;

namespace AgentGuard.Http.Tests.Handler;

/// <summary>
/// Issue 22: mutations of valid requests of every guarded endpoint (see <see cref="HostileBodies"/>) are each sent or
/// refused with one of the library's own exceptions, within a time limit, with nothing left reserved; through a guard
/// with room (the byte bound fits), a tight one (the tokenizer counts), one that rewrites bodies (a default output cap,
/// clamping, usage asked of streams) and forwards what it cannot bound, and one on Azure OpenAI paths (deployments).
/// </summary>
public sealed class HostileInputFuzzTests
{
    /// <summary>Fixed, so that a failure reproduces: the message names it, the mutations and the input.</summary>
    private const int Seed = 22;

    private const int InputsPerSeedBody = 120;

    /// <summary>
    /// A tripwire for a bound gone superlinear, not a speed test (HostileTokenizerBenchmarks measures speed): deciding
    /// takes milliseconds, the counts that were quadratic took minutes, and a CI machine running every test project at
    /// once on 2 cores has stalled one 425 KB input for 3.2 s (a garbage collection and a starved thread pool).
    /// </summary>
    private static readonly TimeSpan s_limitPerInput = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task MutatedRequests_AreSentOrRefusedWithTheLibrarysExceptions_InTime_NothingLeftReserved()
    {
        var random = new Random(Seed);
        var guards = new[]
        {
            Guard("room", o => o.BudgetUsd = 1_000m),
            Guard("tight", o => o.BudgetUsd = 0.003m),
            Guard("rewriting", o =>
            {
                o.BudgetUsd = 0.01m;
                o.DefaultMaxOutputTokens = 64;
                o.ClampOutputToBudget = true;
                o.MinClampedOutputTokens = 1;
                o.AllowUnboundedRequests = true;
            }),
            Guard("azure", o =>
            {
                o.BudgetUsd = 0.05m;
                foreach (string model in (string[])["gpt-4o-mini", "gpt-4o", "gpt-3.5-turbo-instruct", "text-embedding-3-small", "text-embedding-3-large"])
                {
                    o.AzureDeployments[model] = new AzureDeployment { Model = model };
                }
            }),
        };
        var failures = new List<string>();
        var sent = guards.ToDictionary(g => g.Name, _ => 0);
        var refused = guards.ToDictionary(g => g.Name, _ => 0);

        foreach (var (path, seedBody) in HostileBodies.Seeds)
        {
            for (int i = 0; i < InputsPerSeedBody; i++)
            {
                var (body, applied) = HostileBodies.Mutate(seedBody, random);
                bool sync = random.Next(4) == 0;
                foreach (var (name, invoker, session) in guards)
                {
                    var uri = name == "azure" ? AzureUri(path, byDeployment: i % 2 == 0) : new Uri(new Uri("https://api.openai.com/v1/"), path);
                    var (outcome, elapsed, error) = await SendAsync(invoker, uri, body, sync);
                    string? failure = outcome switch
                    {
                        Outcome.Foreign => "threw a foreign exception",
                        _ when elapsed > s_limitPerInput => $"took {elapsed.TotalMilliseconds:N0} ms",
                        _ when session.GetReserved() != 0m => $"left {session.GetReserved()} USD reserved",
                        _ => null,
                    };
                    if (failure is not null)
                    {
                        failures.Add(string.Create(CultureInfo.InvariantCulture,
                            $"seed {Seed}, {uri.AbsolutePath} #{i} ({applied}), guard '{name}'{(sync ? ", sync" : "")}: {failure} ({error}); input {HostileBodies.Describe(body)}"));
                    }

                    sent[name] += outcome == Outcome.Sent ? 1 : 0;
                    refused[name] += outcome == Outcome.Refused ? 1 : 0;
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {HostileBodies.Seeds.Count * InputsPerSeedBody * guards.Length} sends failed:\n{string.Join("\n", failures.Take(20))}");

        // Both outcomes are exercised on every guard: mutations that keep a body valid are sent, the others refused.
        string counts = string.Join(", ", guards.Select(g => $"{g.Name}: {sent[g.Name]} sent, {refused[g.Name]} refused"));
        Assert.True(guards.All(g => sent[g.Name] > 10 && refused[g.Name] > 10), counts);
    }

    private enum Outcome
    {
        Sent,
        Refused,
        Foreign,
    }

    /// <summary>The v1 path, where the body's <c>model</c> names the deployment; or the deployment's own path (not for Responses).</summary>
    private static Uri AzureUri(string path, bool byDeployment) => byDeployment && path != "responses"
        ? new Uri($"https://fuzz.openai.azure.com/openai/deployments/gpt-4o-mini/{path}?api-version=2024-10-21")
        : new Uri($"https://fuzz.openai.azure.com/openai/v1/{path}");

    private static async Task<(Outcome Outcome, TimeSpan Elapsed, string? Error)> SendAsync(HttpMessageInvoker invoker, Uri uri, byte[] body, bool sync)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new("application/json");
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = sync ? invoker.Send(request, TestContext.Current.CancellationToken) : await invoker.SendAsync(request, TestContext.Current.CancellationToken);
            await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
            return (Outcome.Sent, clock.Elapsed, null);
        }
        catch (AgentGuardException ex)
        {
            return (Outcome.Refused, clock.Elapsed, ex.GetType().Name + ": " + ex.Message);
        }
#pragma warning disable CA1031 // Any other exception is what the test looks for.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return (Outcome.Foreign, clock.Elapsed, ex.ToString());
        }
    }

    private static (string Name, HttpMessageInvoker Invoker, BudgetedSession Session) Guard(string name, Action<AgentGuardOptions> configure)
    {
        var options = new AgentGuardOptions { BudgetName = "fuzz-" + name };
        configure(options);
        var session = BudgetedSession.Create(options);
        return (name, new HttpMessageInvoker(new BudgetGuardHandler(session, options) { InnerHandler = new UsageAnswers() }), session);
    }

    /// <summary>Answers every call at once with a small usage, in the shape of the endpoint's response.</summary>
    private sealed class UsageAnswers : HttpMessageHandler
    {
        private const string Usage = """{"id":"x","usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}""";
        private const string ResponseUsage = """{"id":"resp_1","object":"response","status":"completed","usage":{"input_tokens":1,"output_tokens":1,"total_tokens":2}}""";

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
            new(HttpStatusCode.OK)
            {
                Content = new StringContent(request.RequestUri!.AbsolutePath.EndsWith("/responses", StringComparison.Ordinal) ? ResponseUsage : Usage, Encoding.UTF8, "application/json"),
            };

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(Send(request, cancellationToken));
    }
}
