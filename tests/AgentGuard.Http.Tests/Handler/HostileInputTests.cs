using System.Net;
using System.Text;
using AgentGuard.FakeOpenAI;
using AgentGuard.Http.Estimation;
using AgentGuard.Http.Pricing;
using AgentGuard.Http.Providers.OpenAI;
using AgentGuard.Http.Tests.TestSupport;

namespace AgentGuard.Http.Tests.Handler;

/// <summary>
/// What issue 22 found: a long run without spaces pinned a core while the caller's cancellation was ignored, and a lone
/// surrogate escape threw a foreign exception. Hostile bodies are refused with the library's own exceptions, nothing
/// reserved; a body over <see cref="AgentGuardOptions.MaxRequestBodyBytes"/> is not even read.
/// </summary>
public sealed class HostileInputTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> LoneSurrogateBodies => new()
    {
        { "chat/completions", """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"\udc00"}],"max_tokens":5}""" },
        { "chat/completions", """{"model":"gpt-4o-mini","messages":[{"role":"user","content":[{"type":"\udc00"}]}],"max_tokens":5}""" },
        { "completions", """{"model":"gpt-3.5-turbo-instruct","prompt":"x","suffix":"\ud800"}""" },
        { "embeddings", """{"model":"text-embedding-3-small","input":"\udc00"}""" },
        { "responses", """{"model":"gpt-4o-mini","input":"hi","instructions":"\udc00","max_output_tokens":5}""" },
    };

    [Theory]
    [MemberData(nameof(LoneSurrogateBodies))]
    public async Task LoneSurrogateEscape_IsRefusedAsMalformed_NotSent_NothingReserved(string path, string body)
    {
        await using var h = await GuardHarness.StartAsync();

        var refusal = await Assert.ThrowsAsync<UnboundedRequestException>(() => h.Http.PostAsync(new Uri(path, UriKind.Relative), ChatBodies.Json(body), Ct));

        Assert.Equal(UnboundedRequestReason.MalformedBody, refusal.Reason);
        Assert.Contains("lone surrogate escape", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Meter.TotalRequests);
        Assert.Equal(0m, h.Session.GetReserved());
        Assert.Equal(1, h.Session.GetSummary().RefusedCalls);
    }

    [Fact]
    public async Task LongRunWithoutSpaces_OnATightBudget_IsRefusedForBudget_NotCountedForMinutes()
    {
        // Issue 22: 1,000,000 letters took 208 s before this refusal; its pieces are now bounded by their bytes.
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.01m);
        string body = $$"""{"model":"gpt-4o","messages":[{"role":"user","content":"{{new string('a', 1_000_000)}}"}],"max_tokens":10}""";

        var refusal = await Assert.ThrowsAsync<BudgetExceededException>(() => h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(body), Ct));

        Assert.True(refusal.RequiredUsd >= 2.5m, $"required {refusal.RequiredUsd}: a million bytes of input at $2.50/M");
        Assert.Equal(0, h.Meter.TotalRequests);
        Assert.Equal(0m, h.Session.GetReserved());
    }

    [Fact]
    public async Task RandomWordsPastTheAllowance_OnATightBudget_IsRefusedAtAtLeastItsExactCost()
    {
        // The tokenizer's worst case (no piece cached): the first MiB is merged, the rest bounded by its bytes.
        string text = HostileBodies.RandomWords(1_500_000, seed: 22);
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.01m);

        var refusal = await Assert.ThrowsAsync<BudgetExceededException>(() =>
            h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(Gpt41Body(text)), Ct));

        // gpt-4.1 bills $2.00 per million input tokens: the bound is never below the exact count, and below the bytes'.
        decimal exactUsd = FakeTokenCounter.CountTokens(text, FakePrices.O200kBase) * 2.00m / 1_000_000m;
        decimal bytesUsd = Encoding.UTF8.GetByteCount(text) * 2.00m / 1_000_000m;
        Assert.True(refusal.RequiredUsd >= exactUsd, $"required {refusal.RequiredUsd}, the exact input costs {exactUsd}");
        Assert.True(refusal.RequiredUsd < bytesUsd, $"required {refusal.RequiredUsd}, the bytes cost {bytesUsd}: the first MiB was not counted");
        Assert.Equal(0, h.Meter.TotalRequests);
        Assert.Equal(0m, h.Session.GetReserved());
    }

    [Fact]
    public async Task RandomWordsPastTheAllowance_OnABudgetItsBoundFits_IsSent_AndBilledWithinItsReservation()
    {
        string text = HostileBodies.RandomWords(1_500_000, seed: 23);
        int exact = FakeTokenCounter.CountTokens(text, FakePrices.O200kBase);
        int bytes = Encoding.UTF8.GetByteCount(text);

        // What the bound can be at most: the exact count, plus the bytes of all but the allowance (less than a piece of
        // it may be left unmerged), plus the chat framing and 10 output tokens; the byte bound is far above it.
        long boundTokens = exact + (bytes - (TextTokens.MergedBytesPerCall - TextTokens.MaxMergedPieceBytes)) + 100;
        decimal budget = ((boundTokens * 2.00m) + (10 * 8.00m)) / 1_000_000m;
        Assert.True(budget < bytes * 2.00m / 1_000_000m, $"budget {budget}: the byte bound would fit it, the tokenizer would not be asked");
        await using var h = await GuardHarness.StartAsync(budgetUsd: budget);

        using var response = await h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(Gpt41Body(text)), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, h.Meter.BilledRequests);
        Assert.Empty(h.Errors);
        Assert.True(h.Session.GetTotalSpent() >= exact * 2.00m / 1_000_000m, $"spent {h.Session.GetTotalSpent()}");
        Assert.Equal(0m, h.Session.GetReserved());
    }

    private static string Gpt41Body(string text) =>
        $$"""{"model":"gpt-4.1","messages":[{"role":"user","content":"{{text}}"}],"max_tokens":10}""";

    [Fact]
    public async Task CallerCancelsWhileTheGuardCountsTokens_OperationCanceled_NothingReserved_NotSent()
    {
        await using var h = await GuardHarness.StartAsync(budgetUsd: 0.01m);
        using var caller = new CancellationTokenSource();
        string text = string.Concat(Enumerable.Repeat("many words to count ", 10_000));
        string body = $$"""{"model":"gpt-4o","messages":[{"role":"user","content":"{{text}}"}],"max_tokens":10}""";

        // The body is read whole, then the caller gives up: the byte bound does not fit, so the guard counts tokens next.
        using var content = new CancelAfterSerializing(Encoding.UTF8.GetBytes(body), caller);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), content, caller.Token));

        Assert.Equal(0, h.Meter.TotalRequests);
        Assert.Equal(0m, h.Session.GetReserved());
        Assert.Equal(0m, h.Session.GetTotalSpent());
    }

    [Fact]
    public void ByTokenizer_CancelledToken_Throws()
    {
        byte[] body = Encoding.UTF8.GetBytes("""{"model":"gpt-4o","messages":[{"role":"user","content":"Hello there"}]}""");
        var request = OpenAIOperations.ChatCompletions.Read(body, modelInPath: false);
        PriceTable.Embedded.TryResolve("gpt-4o", out var model);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() =>
            OpenAIOperations.ChatCompletions.ByTokenizer(body, request, model!, ServiceTier.Standard, EstimationContext.Default, null, cancelled.Token));
    }

    [Fact]
    public async Task BodyOverTheLimit_WithItsLength_IsRefusedUnread()
    {
        await using var h = await GuardHarness.StartAsync(configure: o => o.MaxRequestBodyBytes = 1_000);
        using var upload = new CountingStream(1_001);
        using var content = new StreamContent(upload);
        content.Headers.ContentLength = 1_001;

        var refusal = await Assert.ThrowsAsync<UnboundedRequestException>(() => h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), content, Ct));

        Assert.Equal(UnboundedRequestReason.BodyTooLarge, refusal.Reason);
        Assert.Equal(
            "The Chat Completions request was not sent: its body (1,001 bytes, as its Content-Length says) is larger than AgentGuardOptions.MaxRequestBodyBytes " +
            "(1,000 bytes), the most the guard reads to bound a call's cost. Raise the limit to send larger bodies.",
            refusal.Message);
        Assert.Equal(0, upload.BytesRead);
        Assert.Equal(0, h.Meter.TotalRequests);
        Assert.Equal(1, h.Session.GetSummary().RefusedCalls);
    }

    [Fact]
    public async Task BodyOverTheLimit_OfUnknownLength_IsReadNoFurtherThanTheLimit()
    {
        await using var h = await GuardHarness.StartAsync(configure: o => o.MaxRequestBodyBytes = 10_000);
        using var upload = new CountingStream(1_000_000);
        using var content = new StreamContent(upload);

        var refusal = await Assert.ThrowsAsync<UnboundedRequestException>(() => h.Http.PostAsync(new Uri("embeddings", UriKind.Relative), content, Ct));

        Assert.Equal(UnboundedRequestReason.BodyTooLarge, refusal.Reason);
        Assert.StartsWith("The Embeddings request was not sent: its body is larger than AgentGuardOptions.MaxRequestBodyBytes (10,000 bytes)", refusal.Message, StringComparison.Ordinal);
        Assert.True(upload.BytesRead <= 10_000 + CountingStream.ChunkBytes, $"{upload.BytesRead} bytes read");
        Assert.Equal(0, h.Meter.TotalRequests);
    }

    [Fact]
    public async Task BodyOverTheLimit_IsRefusedEvenWhenUnboundedRequestsAreAllowed()
    {
        await using var h = await GuardHarness.StartAsync(configure: o => (o.MaxRequestBodyBytes, o.AllowUnboundedRequests) = (100, true));

        var refusal = await Assert.ThrowsAsync<UnboundedRequestException>(() =>
            h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(ChatBodies.Simple(content: new string('x', 200))), Ct));

        Assert.Equal(UnboundedRequestReason.BodyTooLarge, refusal.Reason);
        Assert.Equal(0, h.Meter.TotalRequests);
    }

    [Fact]
    public async Task BodyAtTheLimit_IsSent()
    {
        string body = ChatBodies.Simple(maxTokens: 5);
        await using var h = await GuardHarness.StartAsync(configure: o => o.MaxRequestBodyBytes = Encoding.UTF8.GetByteCount(body));

        using var response = await h.Http.PostAsync(new Uri("chat/completions", UriKind.Relative), ChatBodies.Json(body), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, h.Meter.BilledRequests);
    }

    [Fact]
    public async Task BodyOverTheLimit_SyncSend_IsRefusedToo()
    {
        await using var h = await GuardHarness.StartAsync(configure: o => o.MaxRequestBodyBytes = 10_000);
        using var upload = new CountingStream(100_000);
        using var content = new StreamContent(upload);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(h.Server.BaseUrl, "chat/completions")) { Content = content };

        var refusal = Assert.Throws<UnboundedRequestException>(() => h.Http.Send(request, Ct));

        Assert.Equal(UnboundedRequestReason.BodyTooLarge, refusal.Reason);
        Assert.True(upload.BytesRead <= 10_000 + CountingStream.ChunkBytes, $"{upload.BytesRead} bytes read");
    }

    /// <summary>Content that serializes its bytes, then cancels the caller's token: the guard's next steps see it cancelled.</summary>
    private sealed class CancelAfterSerializing(byte[] bytes, CancellationTokenSource caller) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(bytes);
#pragma warning disable CA1849 // The linked token the guard holds must be cancelled before this returns, not by a callback later.
            caller.Cancel();
#pragma warning restore CA1849
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
    }

    /// <summary>A request stream (an upload) of zeros that hands out at most <see cref="ChunkBytes"/> per read and counts what was read.</summary>
    private sealed class CountingStream(int length) : Stream
    {
        public const int ChunkBytes = 4096;

        private int _position;

        public int BytesRead => _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int count = Math.Min(Math.Min(buffer.Length, ChunkBytes), length - _position);
            buffer[..count].Clear();
            _position += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
