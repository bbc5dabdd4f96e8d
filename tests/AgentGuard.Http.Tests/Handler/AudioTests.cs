using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Tests.TestSupport;
using OpenAI.Chat;

#pragma warning disable OPENAI001 // Audio output and input are marked experimental in the SDK.

namespace AgentGuard.Http.Tests.Handler;

/// <summary>
/// Audio output through the real SDK: reserved at the larger of the text and audio output rates where the user gave an audio
/// price, settled from the usage's audio tokens, refused (and never sent) where there is no price; audio inputs are refused.
/// </summary>
public sealed class AudioTests
{
    private const decimal AudioInputUsd = 40m;
    private const decimal AudioOutputUsd = 80m;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ChatCompletionOptions AudioOptions(int? maxTokens = null) => new()
    {
        ResponseModalities = ChatResponseModalities.Text | ChatResponseModalities.Audio,
        AudioOptions = new ChatAudioOptions(ChatOutputAudioVoice.Alloy, ChatOutputAudioFormat.Wav),
        MaxOutputTokenCount = maxTokens,
    };

    /// <summary>The fake bills gpt-4o's audio at the same prices the guard is given.</summary>
    private static FakeBehavior FakeWithAudio(FakeOutputMode mode = FakeOutputMode.Short) => new()
    {
        OutputMode = mode,
        AudioPricesUsd = new Dictionary<string, FakeAudioPrice> { ["gpt-4o"] = new(AudioInputUsd, AudioOutputUsd) },
    };

    /// <summary>gpt-4o as the embedded table prices it, with the user's audio prices: what a user adds for an audio model.</summary>
    private static void WithAudioPrices(AgentGuardOptions options)
    {
        var gpt4o = PriceTable.Embedded.Models["gpt-4o"];
        options.Prices["gpt-4o"] = new ModelPrice
        {
            InputUsdPerMillionTokens = gpt4o.InputUsdPerMillionTokens,
            CachedInputUsdPerMillionTokens = gpt4o.CachedInputUsdPerMillionTokens,
            OutputUsdPerMillionTokens = gpt4o.OutputUsdPerMillionTokens,
            AudioInputUsdPerMillionTokens = AudioInputUsd,
            AudioOutputUsdPerMillionTokens = AudioOutputUsd,
            ContextWindowTokens = gpt4o.ContextWindowTokens,
            MaxOutputTokens = gpt4o.MaxOutputTokens,
            Encoding = gpt4o.Encoding,
            TierMultipliers = new Dictionary<ServiceTier, decimal>(gpt4o.TierMultipliers),
            ImageTokens = gpt4o.ImageTokens,
        };
    }

    [Fact]
    public async Task AudioOutput_WithAnAudioPrice_IsSettledFromUsage_AtWhatTheServerBilled()
    {
        // No output cap: 16,384 tokens at the audio rate reserve $1.31, more than the default $1 budget.
        await using var h = await GuardHarness.StartAsync(budgetUsd: 2m, configure: WithAudioPrices, behavior: FakeWithAudio());

        ChatCompletion completion = await h.Chat("gpt-4o").CompleteChatAsync([new UserChatMessage("Say hello")], AudioOptions(), Ct);

        Assert.Equal(FakeBehavior.DefaultContentText, completion.OutputAudio.Transcript);
        Assert.True(completion.Usage.OutputTokenDetails.AudioTokenCount > 0);
        var call = Assert.Single(h.Meter.Calls);
        Assert.Equal(completion.Usage.OutputTokenDetails.AudioTokenCount, call.AudioCompletionTokens);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
        Assert.Empty(h.Errors);
    }

    [Fact]
    public async Task AudioOutput_Streaming_IsSettledFromTheUsageChunk()
    {
        await using var h = await GuardHarness.StartAsync(configure: WithAudioPrices, behavior: FakeWithAudio());
        int audioTokens = 0;

        await foreach (var update in h.Chat("gpt-4o").CompleteChatStreamingAsync([new UserChatMessage("Say hello")], AudioOptions(200), Ct))
        {
            audioTokens += update.Usage?.OutputTokenDetails.AudioTokenCount ?? 0;
        }

        Assert.True(audioTokens > 0);
        Assert.Equal(audioTokens, Assert.Single(h.Meter.Calls).AudioCompletionTokens);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
        Assert.Empty(h.Errors);
    }

    [Fact]
    public async Task AudioOutput_AtPriority_IsReservedAndSettledAtTheTiersAudioPrice()
    {
        await using var h = await GuardHarness.StartAsync(
            configure: o => { WithAudioPrices(o); o.ServiceTier = ServiceTier.Priority; },
            behavior: FakeWithAudio(FakeOutputMode.WorstCase) with { ReportedServiceTier = "priority" });

        await h.Chat("gpt-4o").CompleteChatAsync([new UserChatMessage("Say hello")], AudioOptions(100), Ct);

        var call = Assert.Single(h.Meter.Calls);
        Assert.Equal(("priority", 100), (call.Tier, call.AudioCompletionTokens));
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Empty(h.Errors);
    }

    [Fact]
    public async Task AudioOutput_AgainstTheWorstCaseServer_NeverBillsMoreThanTheBudget()
    {
        const decimal Budget = 0.05m;
        await using var h = await GuardHarness.StartAsync(budgetUsd: Budget, configure: WithAudioPrices, behavior: FakeWithAudio(FakeOutputMode.WorstCase));

        var calls = Enumerable.Range(0, 30).Select(async i =>
        {
            try
            {
                var client = h.Chat("gpt-4o");
                if (i % 2 == 0)
                {
                    await client.CompleteChatAsync([new UserChatMessage("Say hello")], AudioOptions(100), Ct);
                }
                else
                {
                    await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Say hello")], AudioOptions(100), Ct))
                    {
                        _ = update;
                    }
                }

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
        Assert.All(h.Meter.Calls, c => Assert.Equal(c.CompletionTokens, c.AudioCompletionTokens));
        Assert.True(h.Meter.TotalBilledUsd <= Budget, $"billed {h.Meter.TotalBilledUsd}");
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
        Assert.Empty(h.Errors);
    }

    [Fact]
    public async Task AudioOutput_WithoutAnAudioPrice_IsRefused_AndNothingIsSent()
    {
        await using var h = await GuardHarness.StartAsync(behavior: FakeWithAudio());

        var refusal = await Assert.ThrowsAsync<UnknownModelPriceException>(() =>
            h.Chat("gpt-4o").CompleteChatAsync([new UserChatMessage("Say hello")], AudioOptions(100), Ct));

        Assert.Equal("gpt-4o", refusal.Model);
        Assert.Contains("asks for audio output", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("AgentGuardOptions.Prices[\"gpt-4o\"].AudioOutputUsdPerMillionTokens", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Meter.TotalRequests);
        Assert.Equal(0, h.SpentMicros);
        Assert.Equal(0, h.ReservedMicros);
    }

    [Fact]
    public async Task TextOutput_ToAModelWithAudioPrices_IsReservedAtTheTextRate()
    {
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.001m, configure: WithAudioPrices, behavior: FakeWithAudio());

        // 50 output tokens reserve 500 micro-dollars as text, 4,000 as possible audio: a 1,000 budget admits only the text call.
        await h.Chat("gpt-4o").CompleteChatAsync([new UserChatMessage("Say hello")], new ChatCompletionOptions { MaxOutputTokenCount = 50 }, Ct);
        var refusal = await Assert.ThrowsAsync<BudgetExceededException>(() =>
            h.Chat("gpt-4o").CompleteChatAsync([new UserChatMessage("Say hello")], AudioOptions(50), Ct));

        Assert.Equal(0, Assert.Single(h.Meter.Calls).AudioCompletionTokens);
        Assert.True(refusal.RequiredUsd >= 50 * AudioOutputUsd / 1_000_000m);
        Assert.Equal(h.Meter.TotalBilledMicros, h.SpentMicros);
    }

    [Fact]
    public async Task AudioInput_IsRefusedSayingWhy_EvenWithAudioPrices()
    {
        await using var h = await GuardHarness.StartAsync(configure: WithAudioPrices, behavior: FakeWithAudio());
        var audio = ChatMessageContentPart.CreateInputAudioPart(BinaryData.FromBytes(new byte[64]), ChatInputAudioFormat.Wav);

        var refusal = await Assert.ThrowsAsync<UnboundedRequestException>(() =>
            h.Chat("gpt-4o").CompleteChatAsync([new UserChatMessage(ChatMessageContentPart.CreateTextPart("Transcribe"), audio)], AudioOptions(), Ct));

        Assert.Equal(UnboundedRequestReason.UnsupportedContent, refusal.Reason);
        Assert.Contains("audio input (input_audio)", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be known before it is sent", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Meter.TotalRequests);
    }

    [Fact]
    public async Task AssistantAudioReference_IsRefusedSayingWhy()
    {
        await using var h = await GuardHarness.StartAsync(configure: WithAudioPrices, behavior: FakeWithAudio());
        ChatMessage[] conversation =
        [
            new UserChatMessage("Say hello"),
            new AssistantChatMessage(new ChatOutputAudioReference("audio_abc123")),
            new UserChatMessage("Again"),
        ];

        var refusal = await Assert.ThrowsAsync<UnboundedRequestException>(() => h.Chat("gpt-4o").CompleteChatAsync(conversation, AudioOptions(), Ct));

        Assert.Equal(UnboundedRequestReason.UnsupportedContent, refusal.Reason);
        Assert.Contains("refers to an earlier audio response", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Meter.TotalRequests);
    }
}
