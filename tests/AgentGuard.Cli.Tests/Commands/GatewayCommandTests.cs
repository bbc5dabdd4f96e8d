using System.Diagnostics;
using System.Net;
using System.Text;
using AgentGuard.Cli.Tests.Infrastructure;
using AgentGuard.FakeOpenAI;

namespace AgentGuard.Cli.Tests.Commands;

/// <summary><c>agentguard gateway --config FILE</c>: the gateway run by the tool, guarding calls to the fake.</summary>
public sealed class GatewayCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Key = "cli-gateway-key-0123456789";

    [Fact]
    public async Task Gateway_FromAConfigFile_ForwardsAGuardedCall_AndRefusesWhatTheBudgetCannotCover()
    {
        await using var fake = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var directory = new TempDirectory("gateway");
        string config = directory.File("gateway.json");
        await File.WriteAllTextAsync(config, $$"""
            {
              "AgentGuard": { "BudgetUsd": 0.001 },
              "Gateway": {
                "Routes": { "openai": { "Provider": "openai", "Upstream": "{{fake.Root}}", "ApiKey": "sk-upstream" } },
                "Keys": [ { "Name": "cli-test", "Key": "{{Key}}" } ]
              }
            }
            """, Ct);
        var start = new ProcessStartInfo(Artifacts.DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { Artifacts.CliDll, "gateway", "--config", config, "--urls", "http://127.0.0.1:0" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        try
        {
            Uri root = await ListeningAddressAsync(process);
            using var http = new HttpClient();

            using var ok = await PostAsync(http, root, """{"model":"gpt-4o-mini","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}""");
            using var refused = await PostAsync(http, root, """{"model":"gpt-4o","max_tokens":16000,"messages":[{"role":"user","content":"hi"}]}""");

            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);
            Assert.Contains("budget_exceeded", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
            Assert.Equal(1, fake.Meter.TotalRequests);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(Ct);
        }
    }

    [Fact]
    public async Task Gateway_WithAnInvalidConfig_IsExitTwo_SayingWhatToWrite()
    {
        using var directory = new TempDirectory("gateway");
        string config = directory.File("gateway.json");
        await File.WriteAllTextAsync(config, """{ "AgentGuard": { "BudgetUsd": 1 }, "Gateway": { "Routes": {}, "Keys": [] } }""", Ct);

        var result = await AgentGuardCli.RunAsync("gateway", "--config", config);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Gateway:Routes is empty", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("Gateway:Keys is empty", result.StandardError, StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, Uri root, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(root, "openai/v1/chat/completions"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + Key);
        return await http.SendAsync(request, Ct);
    }

    private static async Task<Uri> ListeningAddressAsync(Process process)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            int at = line.IndexOf("Now listening on: ", StringComparison.Ordinal);
            if (at >= 0)
            {
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                return new Uri(line[(at + "Now listening on: ".Length)..].Trim() + "/");
            }
        }

        throw new InvalidOperationException($"agentguard gateway exited without listening: {await process.StandardError.ReadToEndAsync(Ct)}");
    }
}
