using System.ClientModel;
using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Tests.Shared;
using OpenAI;
using OpenAI.Chat;

namespace AgentGuard.Gateway.Tests;

/// <summary>
/// The gateway's promise to agents in other languages, with real processes: the official OpenAI Node SDK pointed at the
/// gateway, and the gateway itself run as its own process from a configuration file.
/// </summary>
public sealed class ProcessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NodeAgents { get; } = typeof(ProcessTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "NodeAgents").Value!;

    [Fact]
    public async Task NodeAgentsOnTheOfficialOpenAISdk_ThroughTheGateway_NeverBillMoreThanTheBudget_AndAreNeverUnderCounted()
    {
        if (!Directory.Exists(Path.Combine(NodeAgents, "node_modules", "openai")))
        {
            TestSkip.Because($"the Node agents' packages are not installed (npm ci in {NodeAgents})");
        }

        const decimal budget = 0.03m;
        await using var fake = await FakeOpenAIServer.StartAsync(new FakeBehavior { OutputMode = FakeOutputMode.WorstCase }, Ct);
        await using var gateway = await GatewayHost.StartAsync(fake.Root, budget);

        var run = await RunAsync("node", ["agents.mjs"], NodeAgents, new()
        {
            ["OPENAI_BASE_URL"] = gateway.OpenAIBaseUrl.AbsoluteUri,
            ["OPENAI_API_KEY"] = GatewayHost.Key,
            ["AGENTS"] = "12",
            ["CALLS"] = "4",
        });

        Assert.True(run.ExitCode == 0, run.Output);
        var result = JsonDocument.Parse(run.Output.Trim().Split('\n')[^1]).RootElement;
        int admitted = result.GetProperty("admitted").GetInt32(), refused = result.GetProperty("refused").GetInt32();
        Assert.True(admitted > 0 && refused > 0, run.Output);
        Assert.True(result.GetProperty("streamed").GetInt32() > 0, run.Output);
        Assert.Equal(refused, result.GetProperty("statuses").GetProperty("402").GetInt32());
        Assert.Equal(refused, result.GetProperty("codes").GetProperty("budget_exceeded").GetInt32());
        Assert.All(result.GetProperty("texts").EnumerateArray(), t => Assert.Equal(FakeBehavior.DefaultContentText, t.GetString()));
        Assert.True(fake.Meter.TotalBilledUsd <= budget, $"the upstream billed {fake.Meter.TotalBilledUsd} USD of a {budget} USD budget");
        Assert.Equal(admitted, fake.Meter.BilledRequests);
        Assert.Equal(fake.Meter.TotalBilledMicros, (long)Math.Ceiling(gateway.Session.GetTotalSpent() * 1_000_000m));
        Assert.Equal(0m, gateway.Session.GetReserved());
    }

    [Fact]
    public async Task TheGatewayAsItsOwnProcess_FromAConfigFile_GuardsTheCallsOfAnSdk()
    {
        await using var fake = await FakeOpenAIServer.StartAsync(ct: Ct);
        string config = Path.Combine(Path.GetTempPath(), $"agentguard-gateway-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "AgentGuard": { "BudgetUsd": 0.001 },
              "Gateway": {
                "Routes": { "openai": { "Provider": "openai", "Upstream": "{{fake.Root}}", "ApiKey": "sk-upstream" } },
                "Keys": [ { "Name": "process-test", "Key": "{{GatewayHost.Key}}" } ]
              }
            }
            """, Ct);
        string dll = Path.Combine(AppContext.BaseDirectory, "AgentGuard.Gateway.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = AppContext.BaseDirectory };
        foreach (string arg in new[] { dll, "--urls", "http://127.0.0.1:0" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["AGENTGUARD_GATEWAY_CONFIG"] = config;
        using var process = Process.Start(start)!;
        try
        {
            Uri root = await ListeningAddressAsync(process);
            var options = new OpenAIClientOptions { Endpoint = new Uri(root, "openai/v1/") };
            var mini = new ChatClient("gpt-4o-mini", new ApiKeyCredential(GatewayHost.Key), options);
            var dear = new ChatClient("gpt-4o", new ApiKeyCredential(GatewayHost.Key), options);

            ChatCompletion ok = await mini.CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { MaxOutputTokenCount = 100 }, Ct);
            // Even fit-to-budget's smallest output cap (256 tokens at $10/M) does not fit what remains of $0.001.
            var refusal = await Assert.ThrowsAsync<ClientResultException>(() => dear.CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { MaxOutputTokenCount = 16_000 }, Ct));

            Assert.Equal(FakeBehavior.DefaultContentText, ok.Content[0].Text);
            Assert.Equal(402, refusal.Status);
            Assert.Equal(1, fake.Meter.TotalRequests);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(Ct);
            File.Delete(config);
        }
    }

    /// <summary>The address from the host's "Now listening on: http://127.0.0.1:PORT" line.</summary>
    private static async Task<Uri> ListeningAddressAsync(Process process)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            int at = line.IndexOf("Now listening on: ", StringComparison.Ordinal);
            if (at >= 0)
            {
                // Keep reading what it writes, so a full pipe never blocks it.
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                return new Uri(line[(at + "Now listening on: ".Length)..].Trim() + "/");
            }
        }

        throw new InvalidOperationException($"The gateway exited without listening: {await process.StandardError.ReadToEndAsync(Ct)}");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] args, string directory, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = directory };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var error = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, await output + await error);
    }
}
