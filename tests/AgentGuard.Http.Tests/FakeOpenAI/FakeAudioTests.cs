using System.ClientModel;
using System.Net;
using System.Text;
using AgentGuard.FakeOpenAI;
using OpenAI;
using OpenAI.Chat;

#pragma warning disable OPENAI001 // Audio output and input are marked experimental in the SDK.

namespace AgentGuard.Http.Tests.FakeOpenAI;

/// <summary>The fake bills audio output at the audio prices its behavior gives, and refuses audio to a model without them.</summary>
public sealed class FakeAudioTests
{
    private static readonly FakeAudioPrice s_audio = new(40m, 80m);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static FakeBehavior WithAudio(FakeOutputMode mode = FakeOutputMode.Short) => new()
    {
        OutputMode = mode,
        AudioPricesUsd = new Dictionary<string, FakeAudioPrice> { ["gpt-4o"] = s_audio },
    };

    private static ChatCompletionOptions AudioOptions(int? maxTokens = null) => new()
    {
        ResponseModalities = ChatResponseModalities.Text | ChatResponseModalities.Audio,
        AudioOptions = new ChatAudioOptions(ChatOutputAudioVoice.Alloy, ChatOutputAudioFormat.Wav),
        MaxOutputTokenCount = maxTokens,
    };

    private static ChatClient Client(FakeOpenAIServer server, string model = "gpt-4o") =>
        new(model, new ApiKeyCredential("sk-fake"), new OpenAIClientOptions { Endpoint = server.BaseUrl });

    [Fact]
    public async Task Short_HalfTheCompletionIsAudio_BilledAtTheAudioPrice()
    {
        await using var server = await FakeOpenAIServer.StartAsync(WithAudio(), Ct);

        ChatCompletion completion = await Client(server, "gpt-4o-2024-08-06").CompleteChatAsync([new UserChatMessage("Hello")], AudioOptions(), Ct);

        Assert.Equal(FakeBehavior.DefaultContentText, completion.OutputAudio.Transcript);
        Assert.False(completion.OutputAudio.AudioBytes.IsEmpty);
        Assert.Equal(5, completion.Usage.OutputTokenCount);
        Assert.Equal(3, completion.Usage.OutputTokenDetails.AudioTokenCount);
        var call = Assert.Single(server.Meter.Calls);
        Assert.Equal(3, call.AudioCompletionTokens);
        decimal expected = ((8 * 2.5m) + (2 * 10m) + (3 * 80m)) / 1_000_000m;
        Assert.Equal(expected, server.Meter.TotalBilledUsd);
        Assert.Equal(expected, FakePrices.PriceOf(FakePrices.Resolve("gpt-4o"), 8, 0, 5, 3, s_audio));
    }

    [Fact]
    public async Task WorstCase_EveryCompletionTokenIsAudio_WhenAudioCostsMore()
    {
        await using var server = await FakeOpenAIServer.StartAsync(WithAudio(FakeOutputMode.WorstCase), Ct);

        ChatCompletion completion = await Client(server).CompleteChatAsync([new UserChatMessage("Hello")], AudioOptions(50), Ct);

        Assert.Equal(50, completion.Usage.OutputTokenCount);
        Assert.Equal(50, completion.Usage.OutputTokenDetails.AudioTokenCount);
        Assert.Equal(((8 * 2.5m) + (50 * 80m)) / 1_000_000m, server.Meter.TotalBilledUsd);
    }

    [Fact]
    public async Task WorstCase_NoCompletionTokenIsAudio_WhenAudioCostsLess()
    {
        var behavior = WithAudio(FakeOutputMode.WorstCase) with { AudioPricesUsd = new Dictionary<string, FakeAudioPrice> { ["gpt-4o"] = new(1m, 2m) } };
        await using var server = await FakeOpenAIServer.StartAsync(behavior, Ct);

        ChatCompletion completion = await Client(server).CompleteChatAsync([new UserChatMessage("Hello")], AudioOptions(50), Ct);

        Assert.Equal(0, completion.Usage.OutputTokenDetails.AudioTokenCount);
        Assert.Equal(FakeMeter.PriceOf("gpt-4o", 8, 0, 50), server.Meter.TotalBilledUsd);
    }

    [Fact]
    public async Task Streaming_AudioTranscriptAndUsage_AreReported()
    {
        await using var server = await FakeOpenAIServer.StartAsync(WithAudio(), Ct);
        var transcript = new StringBuilder();
        ChatTokenUsage? usage = null;
        bool bytes = false;

        await foreach (var update in Client(server).CompleteChatStreamingAsync([new UserChatMessage("Hello")], AudioOptions(), Ct))
        {
            transcript.Append(update.OutputAudioUpdate?.TranscriptUpdate);
            bytes |= update.OutputAudioUpdate?.AudioBytesUpdate is { IsEmpty: false };
            usage ??= update.Usage;
        }

        Assert.Equal(FakeBehavior.DefaultContentText, transcript.ToString());
        Assert.True(bytes);
        Assert.NotNull(usage);
        Assert.Equal(3, usage.OutputTokenDetails.AudioTokenCount);
        Assert.Equal(FakePrices.PriceOf(FakePrices.Resolve("gpt-4o"), 8, 0, 5, 3, s_audio), server.Meter.TotalBilledUsd);
    }

    [Fact]
    public async Task TextRequest_ToAModelWithAudioPrices_HasNoAudioTokens()
    {
        await using var server = await FakeOpenAIServer.StartAsync(WithAudio(), Ct);

        ChatCompletion completion = await Client(server).CompleteChatAsync([new UserChatMessage("Hello")], cancellationToken: Ct);

        Assert.Equal(FakeBehavior.DefaultContentText, completion.Content[0].Text);
        Assert.Equal(0, completion.Usage.OutputTokenDetails.AudioTokenCount);
        Assert.Equal(FakeMeter.PriceOf("gpt-4o", 8, 0, 5), server.Meter.TotalBilledUsd);
    }

    [Theory]
    [InlineData("gpt-4o-mini", "\"modalities\":[\"text\",\"audio\"],\"audio\":{\"voice\":\"alloy\",\"format\":\"wav\"}", "does not support audio output")]
    [InlineData("gpt-4o", "\"modalities\":[\"text\",\"audio\"]", "'audio' parameter is required")]
    [InlineData("gpt-4o", "\"modalities\":\"audio\",\"audio\":{\"voice\":\"alloy\",\"format\":\"wav\"}", "Invalid 'modalities'")]
    public async Task InvalidAudioRequests_Are400_AndNotBilled(string model, string fields, string message)
    {
        await using var server = await FakeOpenAIServer.StartAsync(WithAudio(), Ct);
        using var http = new HttpClient();

        var (status, json) = await FakeApi.PostJsonAsync(http, new Uri(server.BaseUrl, "chat/completions"),
            $$"""{"model":"{{model}}","messages":[{"role":"user","content":"Hi"}],{{fields}}}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(message, json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, server.Meter.BilledRequests);
    }
}
