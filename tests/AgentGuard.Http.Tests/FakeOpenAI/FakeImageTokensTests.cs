using System.Buffers.Binary;
using System.ClientModel;
using System.Net;
using System.Text.Json;
using AgentGuard.FakeOpenAI;
using OpenAI;
using OpenAI.Chat;

namespace AgentGuard.Http.Tests.FakeOpenAI;

/// <summary>The fake's own image rule and header reader, and images billed in chat and responses.</summary>
public sealed class FakeImageTokensTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A PNG signature and IHDR chunk: all the fake reads.</summary>
    internal static byte[] Png(int width, int height)
    {
        var bytes = new byte[33];
        byte[] signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        signature.CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), 13);
        "IHDR"u8.CopyTo(bytes.AsSpan(12));
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(16), (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(20), (uint)height);
        bytes[24] = 8;
        bytes[25] = 6;
        return bytes;
    }

    private static string DataUrl(byte[] image, string type = "image/png") => $"data:{type};base64,{Convert.ToBase64String(image)}";

    private static byte[] Gif(int width, int height)
    {
        var bytes = new byte[13];
        "GIF89a"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(6), (ushort)width);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)height);
        return bytes;
    }

    /// <summary>SOI, an APP0 segment to skip, then SOF2 (progressive) with height before width.</summary>
    private static byte[] Jpeg(int width, int height)
    {
        byte[] app0 = [0xFF, 0xE0, 0x00, 0x10, .. "JFIF\0"u8, 1, 1, 0, 0, 1, 0, 1, 0, 0];
        var sof = new byte[] { 0xFF, 0xC2, 0x00, 0x11, 0x08, 0, 0, 0, 0, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1 };
        BinaryPrimitives.WriteUInt16BigEndian(sof.AsSpan(5), (ushort)height);
        BinaryPrimitives.WriteUInt16BigEndian(sof.AsSpan(7), (ushort)width);
        return [0xFF, 0xD8, .. app0, .. sof, 0xFF, 0xD9];
    }

    private static byte[] WebP(string chunk, int width, int height)
    {
        var bytes = new byte[40];
        "RIFF"u8.CopyTo(bytes);
        "WEBP"u8.CopyTo(bytes.AsSpan(8));
        System.Text.Encoding.ASCII.GetBytes(chunk).CopyTo(bytes, 12);
        switch (chunk)
        {
            case "VP8 ":
                bytes[23] = 0x9D;
                bytes[24] = 0x01;
                bytes[25] = 0x2A;
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(26), (ushort)width);
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(28), (ushort)height);
                break;
            case "VP8L":
                bytes[20] = 0x2F;
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(21), (uint)((width - 1) | ((height - 1) << 14)));
                break;
            default:
                bytes[24] = (byte)(width - 1);
                bytes[25] = (byte)((width - 1) >> 8);
                bytes[26] = (byte)((width - 1) >> 16);
                bytes[27] = (byte)(height - 1);
                bytes[28] = (byte)((height - 1) >> 8);
                bytes[29] = (byte)((height - 1) >> 16);
                break;
        }

        return bytes;
    }

    public static TheoryData<string, int, int> Headers() => new()
    {
        { "png", 1920, 1080 },
        { "gif", 640, 480 },
        { "jpeg", 3000, 2000 },
        { "webp-vp8", 800, 600 },
        { "webp-vp8l", 1000, 16383 },
        { "webp-vp8x", 20000, 3 },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void TryReadSize_ReadsEachFormatsHeader(string format, int width, int height)
    {
        var image = format switch
        {
            "png" => Png(width, height),
            "gif" => Gif(width, height),
            "jpeg" => Jpeg(width, height),
            "webp-vp8" => WebP("VP8 ", width, height),
            "webp-vp8l" => WebP("VP8L", width, height),
            _ => WebP("VP8X", width, height),
        };

        Assert.True(FakeImageTokens.TryReadSize(image, out var size));
        Assert.Equal(new FakeImageSize(width, height), size);
        Assert.False(FakeImageTokens.TryReadSize("not an image at all, really"u8, out _));
    }

    [Theory]
    [InlineData("gpt-4o", 1024, 1024, "high", 765)] // 768x768: 4 tiles
    [InlineData("gpt-4o-2024-08-06", 1024, 1024, "low", 85)]
    [InlineData("gpt-5.4", 768, 2048, "auto", 1445)] // 2 x 4 tiles, the worst
    [InlineData("gpt-4.1", 4096, 8192, null, 1105)] // 1024x2048, then 768x1536: 2 x 3 tiles
    [InlineData("o3", 100, 100, "high", 255)] // never enlarged: 1 tile
    [InlineData("gpt-4o-mini", 1024, 1024, "high", 25_501)] // 2833 + 4 x 5667
    [InlineData("gpt-4o-mini", 768, 2048, "high", 48_169)]
    [InlineData("gpt-4.1-mini", 1024, 1024, "high", 1659)] // 1024 patches x 1.62
    [InlineData("gpt-4.1-nano", 1800, 2400, "low", 3572)] // shrunk to 33 x 44 = 1452 patches x 2.46
    [InlineData("gpt-5-mini", 1024, 1536, "high", 2489)] // 1536 patches x 1.62
    [InlineData("o4-mini", 10_000, 10_000, "high", 2465)] // 39 x 39 = 1521 patches x 1.62 = 2464.02
    public void TokensFor_FollowsTheFakesOwnRule(string model, int width, int height, string? detail, int expected) =>
        Assert.Equal(expected, FakeImageTokens.TokensFor(model, width, height, detail));

    [Fact]
    public void TokensFor_AModelWithoutVision_IsNull() => Assert.Null(FakeImageTokens.TokensFor("gpt-3.5-turbo", 512, 512));

    [Fact]
    public async Task Chat_SdkImagePart_IsBilledAtItsHeaderSize()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        var client = new ChatClient("gpt-4o", new ApiKeyCredential("k"), new OpenAIClientOptions { Endpoint = server.BaseUrl });
        var message = new UserChatMessage(
            ChatMessageContentPart.CreateTextPart("What is this?"),
            ChatMessageContentPart.CreateImagePart(BinaryData.FromBytes(Png(1024, 1024)), "image/png", ChatImageDetailLevel.High));

        ChatCompletion completion = await client.CompleteChatAsync([message], cancellationToken: Ct);

        var body = Assert.Single(server.Meter.RequestBodies);
        var text = FakeTokenCounter.CountPromptTokens(JsonDocument.Parse(body).RootElement, FakePrices.O200kBase);
        Assert.Equal(text + 765, completion.Usage.InputTokenCount);
        Assert.Equal(text + 765, FakeMeter.CountPromptTokens(body));
        var call = Assert.Single(server.Meter.Calls);
        Assert.Equal((765, text + 765), (call.ImageTokens, call.PromptTokens));
        Assert.Equal(FakeMeter.PriceOf("gpt-4o", text + 765, 0, 5), server.Meter.TotalBilledUsd);
    }

    [Theory]
    [InlineData("Short", null, 25_501)] // UrlImageSize 1024x1024
    [InlineData("WorstCase", null, 48_169)] // 768x2048
    [InlineData("Short", 512, 8_500)] // 1 tile
    public async Task Responses_UrlImage_BillsTheAssumedSize_OrTheWorstInWorstCase(string mode, int? side, int imageTokens)
    {
        var behavior = side is { } s ? new FakeBehavior { UrlImageSize = new FakeImageSize(s, s) } : FakeBehavior.Default;
        await using var server = await FakeOpenAIServer.StartAsync(behavior, Ct);
        using var http = new HttpClient();
        const string body = """
            {"model":"gpt-4o-mini","max_output_tokens":20,"input":[{"role":"user","content":[
              {"type":"input_text","text":"Describe"},{"type":"input_image","image_url":"https://example.com/cat.png","detail":"high"}]}]}
            """;

        var (status, json) = await FakeApi.PostJsonAsync(http, new Uri(server.BaseUrl, "responses"), body, FakeApi.Output(mode));

        var visible = FakeTokenCounter.CountResponsesInput(JsonDocument.Parse(body).RootElement, FakePrices.O200kBase);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(visible + imageTokens, json.GetProperty("usage").GetProperty("input_tokens").GetInt32());
        Assert.Equal(imageTokens, Assert.Single(server.Meter.Calls).ImageTokens);
    }

    [Fact]
    public async Task Responses_InlineImageOnAPatchModel_BillsItsPatches()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();
        var body = $$"""
            {"model":"gpt-5-nano","input":[{"role":"user","content":[{"type":"input_image","image_url":"{{DataUrl(Jpeg(640, 480), "image/jpeg")}}"}]}]}
            """;

        var (_, json) = await FakeApi.PostJsonAsync(http, new Uri(server.BaseUrl, "responses"), body);

        // 20 x 15 = 300 patches x 2.46 = 738.
        Assert.Equal(FakeMeter.CountResponsesInputTokens(body), json.GetProperty("usage").GetProperty("input_tokens").GetInt32());
        Assert.Equal(738, Assert.Single(server.Meter.Calls).ImageTokens);
    }

    [Theory]
    [InlineData("gpt-3.5-turbo", "data:image/png;base64,iVBORw0KGgo=", "invalid_value")]
    [InlineData("gpt-4o", "data:image/png;base64,bm90IGFuIGltYWdl", "invalid_image_format")]
    [InlineData("gpt-4o", "data:image/png,raw", "invalid_image_format")]
    public async Task Chat_ImagesTheFakeCannotBill_AreRejected(string model, string url, string code)
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();
        var body = $$$"""{"model":"{{{model}}}","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"{{{url}}}"}}]}]}""";

        var (status, json) = await FakeApi.PostJsonAsync(http, new Uri(server.BaseUrl, "chat/completions"), body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(code, json.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(0, server.Meter.BilledRequests);
    }

    [Fact]
    public async Task Chat_UrlImage_ReportsImageTokensInTheUsageDetails()
    {
        await using var server = await FakeOpenAIServer.StartAsync(ct: Ct);
        using var http = new HttpClient();
        const string body = """{"model":"gpt-4.1-mini","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]}""";

        var (_, json) = await FakeApi.PostJsonAsync(http, new Uri(server.BaseUrl, "chat/completions"), body);

        var details = json.GetProperty("usage").GetProperty("prompt_tokens_details");
        Assert.Equal(1659, details.GetProperty("image_tokens").GetInt32());
        Assert.Equal(FakeMeter.CountPromptTokens(body), json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }
}
