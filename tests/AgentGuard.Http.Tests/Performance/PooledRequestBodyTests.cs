using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Tests.Performance;

/// <summary>
/// The request body is read once into a pooled buffer that becomes the content sent: every byte read is sent, the
/// headers are kept, and the buffer goes back to the pool only when no one can read it any more.
/// </summary>
public sealed class PooledRequestBodyTests
{
    private static readonly byte[] s_body = Encoding.UTF8.GetBytes("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Héllo 👋"}]}""");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Contents => ["bytes", "string", "stream without length", "length understated", "length overstated"];

    [Theory]
    [MemberData(nameof(Contents))]
    public async Task ReadAsync_AnyContent_ReadsEveryByte(string kind)
    {
        using var body = await PooledRequestBody.ReadAsync(Content(kind), async: true, Ct);

        Assert.Equal(s_body, body.Bytes.ToArray());
    }

    [Theory]
    [MemberData(nameof(Contents))]
    public async Task ReadSync_AnyContent_ReadsEveryByte(string kind)
    {
        using var body = await PooledRequestBody.ReadAsync(Content(kind), async: false, Ct);

        Assert.Equal(s_body, body.Bytes.ToArray());
    }

    [Fact]
    public async Task ReadAsync_NoContent_IsEmpty_AndStaysNone()
    {
        using var body = await PooledRequestBody.ReadAsync(null, async: true, Ct);

        Assert.Equal(0, body.Bytes.Count);
        Assert.Null(body.ToContent(null));
    }

    [Fact]
    public async Task ToContent_KeepsTheHeaders_RecomputesTheLength_AndLeavesTheOriginalReadable()
    {
        var original = new ByteArrayContent(s_body);
        original.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=utf-8");
        original.Headers.ContentLanguage.Add("en");
        original.Headers.ContentLength = 3;
        using var body = await PooledRequestBody.ReadAsync(new ByteArrayContent(s_body), async: true, Ct);

        using var content = body.ToContent(original)!;

        Assert.Equal("application/json; charset=utf-8", content.Headers.ContentType!.ToString());
        Assert.Equal(["en"], content.Headers.ContentLanguage);
        Assert.Equal(s_body.Length, content.Headers.ContentLength);

        // Copies of a request (a hedging handler's) share the original content and read it again.
        Assert.Equal(s_body, await original.ReadAsByteArrayAsync(Ct));
        original.Dispose();
    }

    [Fact]
    public async Task Content_CanBeSentAgain_AndReadAsAStream()
    {
        using var body = await PooledRequestBody.ReadAsync(new ByteArrayContent(s_body), async: true, Ct);
        using var content = body.ToContent(null)!;

        Assert.Equal(s_body, await content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(s_body, await Serialize(content));
        Assert.Equal(s_body, await Serialize(content));
        await using var read = await content.ReadAsStreamAsync(Ct);
        Assert.Equal(s_body, await new StreamContent(read).ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task Content_Disposed_CannotBeSent()
    {
        using var body = await PooledRequestBody.ReadAsync(new ByteArrayContent(s_body), async: true, Ct);
        var content = body.ToContent(null)!;

        content.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => Serialize(content));
    }

    [Fact]
    public async Task Content_DisposedWhileBeingSent_KeepsItsBytesUntilTheWriteEnds()
    {
        var large = new byte[100_000];
        Random.Shared.NextBytes(large);
        using var body = await PooledRequestBody.ReadAsync(new ByteArrayContent(large), async: true, Ct);
        var content = body.ToContent(null)!;
        var destination = new DisposingStream(content, large.Length);

        await content.CopyToAsync(destination, Ct);

        // Had the buffer gone back to the pool mid-write, the scribbling renter would have received it.
        Assert.Equal(large, destination.Received);
    }

    [Fact]
    public async Task Dispose_BeforeHandingOn_ReturnsTheBuffer_AndBytesAreGone()
    {
        var body = await PooledRequestBody.ReadAsync(new ByteArrayContent(s_body), async: true, Ct);

        body.Dispose();

        Assert.Throws<ObjectDisposedException>(() => body.Bytes);
    }

    private static HttpContent Content(string kind) => kind switch
    {
        "bytes" => new ByteArrayContent(s_body),
        "string" => new StringContent(Encoding.UTF8.GetString(s_body), Encoding.UTF8, "application/json"),
        "stream without length" => new StreamContent(new NonSeekable(s_body)),
        "length understated" => new LyingContent(s_body, s_body.Length / 2),
        "length overstated" => new LyingContent(s_body, s_body.Length * 2),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static async Task<byte[]> Serialize(HttpContent content)
    {
        using var destination = new MemoryStream();
        await content.CopyToAsync(destination, Ct);
        return destination.ToArray();
    }

    /// <summary>Disposes the content in the middle of its write, then rents and scribbles over buffers of the body's size.</summary>
    private sealed class DisposingStream(HttpContent content, int length) : MemoryStream
    {
        public byte[] Received => ToArray();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            DisposeAndScribble();
            return base.WriteAsync(buffer, offset, count, cancellationToken);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            DisposeAndScribble();
            return base.WriteAsync(buffer, cancellationToken);
        }

        private void DisposeAndScribble()
        {
            content.Dispose();
            for (int i = 0; i < 4; i++)
            {
                var rented = ArrayPool<byte>.Shared.Rent(length);
                rented.AsSpan().Fill(0xFF);
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }

    /// <summary>A content whose declared length is wrong: the body read is what it writes.</summary>
    private sealed class LyingContent(byte[] bytes, long declared) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes, 0, bytes.Length);

        protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken) => stream.Write(bytes);

        protected override Stream CreateContentReadStream(CancellationToken cancellationToken) => new MemoryStream(bytes);

        protected override bool TryComputeLength(out long length)
        {
            length = declared;
            return true;
        }
    }
}
