using System.Net.Http.Json;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http;

namespace AgentGuard.Cli.Tests.Infrastructure;

/// <summary>One chat call to make through the guard: its model, and the tenant scope it runs in (none when null).</summary>
internal sealed record GuardedCall(string Model, string? Tenant = null);

/// <summary>What the fake server billed for the calls: the oracle the CLI's numbers are checked against.</summary>
internal sealed record Billed(long TotalMicros, int Calls, int Refused, IReadOnlyDictionary<string, long> MicrosByModel);

/// <summary>Fills a ledger the way an application does: real guarded calls (session + handler) to the fake OpenAI server.</summary>
internal static class GuardedCalls
{
    public static async Task<Billed> RunAsync(IBudgetLedger ledger, string budget, decimal budgetUsd, IEnumerable<GuardedCall> calls, decimal? tenantLimitUsd = null)
    {
        await using var fake = await FakeOpenAIServer.StartAsync();
        var options = new AgentGuardOptions { BudgetUsd = budgetUsd, BudgetName = budget };
        if (tenantLimitUsd is { } tenantLimit)
        {
            options.ScopeLimits["tenant"] = new ScopeLimit { DefaultUsd = tenantLimit };
        }

        var session = BudgetedSession.Create(options, ledger);
        using var http = new HttpClient(new BudgetGuardHandler(session, options) { InnerHandler = new SocketsHttpHandler() }) { BaseAddress = fake.BaseUrl };
        int refused = 0;
        foreach (var call in calls)
        {
            using var scope = call.Tenant is null ? null : BudgetScope.Begin("tenant", call.Tenant);
            try
            {
                using var response = await http.PostAsJsonAsync("chat/completions", new
                {
                    model = call.Model,
                    messages = new[] { new { role = "user", content = "How much does this cost?" } },
                    max_completion_tokens = 60,
                });
                response.EnsureSuccessStatusCode();
                _ = await response.Content.ReadAsStringAsync();
            }
            catch (BudgetExceededException)
            {
                refused++;
            }
        }

        var billed = fake.Meter.Calls;
        return new Billed(
            fake.Meter.TotalBilledMicros,
            fake.Meter.BilledRequests,
            refused,
            billed.GroupBy(c => c.Model).ToDictionary(g => g.Key, g => g.Sum(c => c.CostMicros)));
    }
}
