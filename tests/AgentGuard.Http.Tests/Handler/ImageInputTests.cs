using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Tests.TestSupport;
using OpenAI.Chat;

namespace AgentGuard.Http.Tests.Handler;

/// <summary>Image inputs are bounded by their model family's rule: exactly when inline, at the family's worst case when given by URL.</summary>
public sealed class ImageInputTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("gpt-4o", 1024, 1024, "high")]
    [InlineData("gpt-4o-mini", 2048, 4096, "auto")]
    [InlineData("gpt-4o", 4000, 3000, "low")]
    [InlineData("gpt-4.1-mini", 1800, 2400, "high")]
    [InlineData("gpt-5-nano", 640, 480, "auto")]
    [InlineData("o4-mini", 3000, 100, "high")]
    public async Task InlineImage_IsSettledFromUsage_AndTheServerBillsItsTokens(string model, int width, int height, string detail)
    {
        await using var h = await GuardHarness.StartAsync(budgetUsd: 5m);
        var image = ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes(TestImages.Png(width, height)), "image/png", new ChatImageDetailLevel(detail));

        await h.Chat(model).CompleteChatAsync([new UserChatMessage(ChatMessageContentPart.CreateTextPart("What is this?"), image)], cancellationToken: Ct);

        var call = h.Meter.Calls.Single();
        Assert.True(call.ImageTokens > 0);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Theory]
    [InlineData("gpt-4o")]
    [InlineData("gpt-4o-mini")]
    [InlineData("gpt-4.1")]
    public async Task Images_AgainstTheWorstCaseServer_NeverBillMoreThanTheBudget(string model)
    {
        const decimal Budget = 0.01m;
        await using var h = await GuardHarness.StartAsync(budgetUsd: Budget, behavior: FakeBehavior.Default with { OutputMode = FakeOutputMode.WorstCase });
        var inline = ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes(TestImages.Png(1500, 900)), "image/png", ChatImageDetailLevel.High);
        var byUrl = ChatMessageContentPart.CreateImagePart(new Uri("https://example.com/cat.png"));
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 50 };

        var calls = Enumerable.Range(0, 30).Select(async i =>
        {
            try
            {
                await h.Chat(model).CompleteChatAsync([new UserChatMessage(ChatMessageContentPart.CreateTextPart("Describe"), i % 2 == 0 ? inline : byUrl)], options, Ct);
                return true;
            }
            catch (BudgetExceededException)
            {
                return false;
            }
        });
        var sent = await Task.WhenAll(calls);

        Assert.Contains(true, sent);
        Assert.Contains(false, sent);
        Assert.True(h.Meter.TotalBilledUsd <= Budget, $"billed {h.Meter.TotalBilledUsd}");
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task ImageForAModelWithoutAnImageRule_IsRefusedClearly()
    {
        await using var h = await GuardHarness.StartAsync();
        var image = ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes(TestImages.Png(64, 64)), "image/png");

        var refusal = await Assert.ThrowsAsync<UnboundedRequestException>(() => h.Chat("gpt-4").CompleteChatAsync([new UserChatMessage(image)], cancellationToken: Ct));

        Assert.Equal(UnboundedRequestReason.UnsupportedContent, refusal.Reason);
        Assert.Contains("no image rule for model 'gpt-4'", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Meter.TotalRequests);
    }

    [Fact]
    public async Task AMegabyteImage_ReservesItsImageTokens_NotItsBytes()
    {
        // 1.3 MB of base64 would be 1.3M tokens as text ($3.25 of gpt-4o input): the image costs 765 tokens.
        var big = new byte[1_000_000];
        TestImages.Png(1024, 1024).CopyTo(big, 0);
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.05m);
        var image = ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes(big), "image/png", ChatImageDetailLevel.High);

        await h.Chat("gpt-4o").CompleteChatAsync([new UserChatMessage(image)], new ChatCompletionOptions { MaxOutputTokenCount = 100 }, Ct);

        Assert.Equal(1, h.Meter.BilledRequests);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }
}
