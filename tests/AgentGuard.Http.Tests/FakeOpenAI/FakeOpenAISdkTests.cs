using System.ClientModel;
using System.Text;
using AgentGuard.FakeOpenAI;
using OpenAI;
using OpenAI.Chat;

namespace AgentGuard.Http.Tests.FakeOpenAI;

/// <summary>The official OpenAI SDK reads the fake's answers like OpenAI's own.</summary>
public sealed class FakeOpenAISdkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ChatClient Client(FakeOpenAIServer server, string model = "gpt-4o-mini") =>
        new(model, new ApiKeyCredential("sk-fake"), new OpenAIClientOptions { Endpoint = server.BaseUrl });

    [Fact]
    public async Task CompleteChatAsync_ReadsContentUsageAndTier()
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { CachedTokens = 3, ReasoningTokens = 1 }, Ct);

        ChatCompletion completion = await Client(server).CompleteChatAsync([new UserChatMessage("Hello")], cancellationToken: Ct);

        Assert.Equal(FakeBehavior.DefaultContentText, completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(8, completion.Usage.InputTokenCount);
        Assert.Equal(5, completion.Usage.OutputTokenCount);
        Assert.Equal(3, completion.Usage.InputTokenDetails.CachedTokenCount);
        Assert.Equal(1, completion.Usage.OutputTokenDetails.ReasoningTokenCount);
        Assert.Equal(FakeMeter.PriceOf("gpt-4o-mini", 8, 3, 5), server.Meter.TotalBilledUsd);
    }

    [Fact]
    public async Task CompleteChat_SynchronousWorstCase_ReportsMaxOutputTokens()
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { OutputMode = FakeOutputMode.WorstCase }, Ct);
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 50 };

        var client = Client(server, "gpt-5-mini");

        // The synchronous path (HttpClient.Send), off the test's thread.
        ChatCompletion completion = await Task.Run(() => client.CompleteChat([new UserChatMessage("Hello")], options, Ct).Value, Ct);

        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(50, completion.Usage.OutputTokenCount);
        Assert.Equal(FakeMeter.PriceOf("gpt-5-mini", 8, 0, 50), server.Meter.TotalBilledUsd);
    }

    [Fact]
    public async Task CompleteChatStreamingAsync_SplitSse_ReassemblesContentAndUsage()
    {
        await using var server = await FakeOpenAIServer.StartAsync(new FakeBehavior { SplitSse = true, SplitSeed = 7 }, Ct);
        var content = new StringBuilder();
        ChatTokenUsage? usage = null;

        await foreach (var update in Client(server).CompleteChatStreamingAsync([new UserChatMessage("Hello")], cancellationToken: Ct))
        {
            foreach (var part in update.ContentUpdate)
            {
                content.Append(part.Text);
            }

            usage ??= update.Usage;
        }

        Assert.Equal(FakeBehavior.DefaultContentText, content.ToString());
        Assert.NotNull(usage);
        Assert.Equal(8, usage.InputTokenCount);
        Assert.Equal(5, usage.OutputTokenCount);
        Assert.Equal(1, server.Meter.BilledRequests);
        Assert.Contains("\"include_usage\":true", Assert.Single(server.Meter.RequestBodies), StringComparison.Ordinal);
    }
}
