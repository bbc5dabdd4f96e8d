using System.Text;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Providers.OpenAI;
using AgentGuard.Http.Settlement;
using AgentGuard.Http.Tests.Pricing;

namespace AgentGuard.Http.Tests.Settlement;

/// <summary>Usage that reports audio tokens bills them at the audio prices, or charges the reservation in full when there are none.</summary>
public sealed class AudioUsageSettlementTests
{
    private const long Reserved = 1_000_000;

    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    [Fact]
    public void TryRead_ChatUsageWithAudioTokens_ReadsBothParts()
    {
        const string json = """
            {"choices":[],"usage":{"prompt_tokens":100,"completion_tokens":300,"total_tokens":400,
             "prompt_tokens_details":{"cached_tokens":50,"audio_tokens":30,"image_tokens":0},
             "completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":200,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}
            """;

        Assert.True(UsageReader.TryRead(Encoding.UTF8.GetBytes(json), out var usage, out _));

        Assert.Equal((100, 50, 300), (usage.PromptTokens, usage.CachedTokens, usage.CompletionTokens));
        Assert.Equal((30, 200), (usage.AudioPromptTokens, usage.AudioCompletionTokens));
    }

    [Theory]
    [InlineData("""{"prompt_tokens":10,"completion_tokens":4,"prompt_tokens_details":{"audio_tokens":99},"completion_tokens_details":{"audio_tokens":99}}""", 10, 4)]
    [InlineData("""{"prompt_tokens":10,"completion_tokens":4,"prompt_tokens_details":{"audio_tokens":-5},"completion_tokens_details":{"audio_tokens":"x"}}""", 0, 0)]
    [InlineData("""{"prompt_tokens":10,"completion_tokens":4,"prompt_tokens_details":null,"completion_tokens_details":[1]}""", 0, 0)]
    [InlineData("""{"prompt_tokens":10,"completion_tokens":4}""", 0, 0)]
    public void TryRead_AudioTokens_AreClampedToTheirWhole(string usageJson, long audioPrompt, long audioCompletion)
    {
        Assert.True(UsageReader.TryRead(Encoding.UTF8.GetBytes($$"""{"usage":{{usageJson}}}"""), out var usage, out _));

        Assert.Equal((audioPrompt, audioCompletion), (usage.AudioPromptTokens, usage.AudioCompletionTokens));
    }

    [Fact]
    public async Task SettleFromUsage_AudioTokens_BillAtTheAudioPrices()
    {
        var (session, reservation) = Reserve(AudioPriceTests.AudioModel(40, 80));
        var usage = new TokenUsage(100, 50, 300, "default") { AudioPromptTokens = 30, AudioCompletionTokens = 200 };

        await reservation.SettleFromUsageAsync(usage, async: true);

        // Cached tokens may be audio ones: only the 20 that cannot be bill at the cached price; every audio token at the audio price.
        decimal expected = (50 * 2.5m) + (20 * 1.25m) + (30 * 40m) + (100 * 10m) + (200 * 80m);
        Assert.Equal((long)decimal.Ceiling(expected), Spent(session));
        Assert.Equal(0, session.GetReserved());
    }

    [Fact]
    public async Task SettleFromUsage_AudioTokensAtPriority_ApplyTheMultiplier()
    {
        var (session, reservation) = Reserve(AudioPriceTests.AudioModel(40, 80));
        var usage = new TokenUsage(100, 0, 300, "priority") { AudioCompletionTokens = 300 };

        await reservation.SettleFromUsageAsync(usage, async: true);

        Assert.Equal((100 * 5) + (300 * 160), Spent(session));
    }

    [Fact]
    public async Task SettleFromUsage_NoAudioTokens_BillsAsText()
    {
        var (session, reservation) = Reserve(AudioPriceTests.AudioModel(40, 80));

        await reservation.SettleFromUsageAsync(new TokenUsage(100, 40, 300, "default"), async: true);

        Assert.Equal((long)decimal.Ceiling((60 * 2.5m) + (40 * 1.25m) + (300 * 10m)), Spent(session));
    }

    [Theory]
    [InlineData(null, null, 0, 10)]
    [InlineData(null, null, 10, 0)]
    [InlineData(40, null, 0, 10)]
    [InlineData(null, 80, 10, 0)]
    public async Task SettleFromUsage_AudioTokensWithoutAnAudioPrice_ChargeTheReservationInFull(int? audioInput, int? audioOutput, long audioPrompt, long audioCompletion)
    {
        var (session, reservation) = Reserve(AudioPriceTests.AudioModel(audioInput, audioOutput));
        var usage = new TokenUsage(100, 0, 300, "default") { AudioPromptTokens = audioPrompt, AudioCompletionTokens = audioCompletion };

        await reservation.SettleFromUsageAsync(usage, async: true);

        Assert.Equal(Reserved, Spent(session));
        Assert.True(reservation.IsSettled);
    }

    [Fact]
    public async Task SettleFromUsage_AudioTokensAboveTheLongContextThreshold_ChargeTheReservationInFull()
    {
        var price = AudioPriceTests.AudioModel(40, 80);
        price.LongContext = new LongContextPrice { AboveInputTokens = 50, InputUsdPerMillionTokens = 5m, OutputUsdPerMillionTokens = 20m };
        var (session, reservation) = Reserve(price);

        await reservation.SettleFromUsageAsync(new TokenUsage(100, 0, 300, "default") { AudioCompletionTokens = 1 }, async: true);

        Assert.Equal(Reserved, Spent(session));
    }

    private static long Spent(BudgetedSession session) => (long)(session.GetTotalSpent() * 1_000_000m);

    private static (BudgetedSession Session, CallReservation Reservation) Reserve(ModelPrice price)
    {
        var session = BudgetedSession.Create(new AgentGuardOptions { BudgetUsd = 10m });
        string leaseId = Guid.NewGuid().ToString("N");
        Assert.True(session.Ledger.Reserve(new ReservationRequest(leaseId, session.PoolsFor(null), Reserved, Lease)).Granted);
        return (session, new CallReservation(session, null, "gpt-audio", new PricedModel("gpt-audio", price), ServiceTier.Standard, leaseId, Reserved, Lease));
    }
}
