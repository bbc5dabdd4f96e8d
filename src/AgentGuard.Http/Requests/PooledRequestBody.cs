using System.Buffers;
using System.Globalization;
using AgentGuard.Http.Settlement;

namespace AgentGuard.Http.Requests;

/// <summary>
/// A request body read once into a buffer rented from <see cref="ArrayPool{T}.Shared"/>: the guard bounds these
/// bytes and sends these bytes, so what is bounded is what is sent. A body of 100,000 tokens is about half a
/// megabyte; renting instead of allocating keeps it off the large object heap, whose churn costs more than the copy.
/// <para>
/// The buffer has one owner at a time: this object until <see cref="ToContent"/> hands it to the content that is
/// sent (which returns it when disposed), or <see cref="Dispose"/> returns it.
/// </para>
/// <para>
/// A body larger than the client's limit (<see cref="AgentGuardOptions.MaxRequestBodyBytes"/>) is refused without being
/// read when its <c>Content-Length</c> says so, else as soon as the bytes read pass the limit: no more is buffered.
/// </para>
/// </summary>
internal sealed class PooledRequestBody : IDisposable
{
    private const int UnknownLengthStart = 16 * 1024;

    private byte[]? _buffer;
    private int _length;

    // What the content may write while it is read, and the API a refusal names; rewrites (Insert, Reset) are not limited.
    private (int MaxBytes, string Api) _readLimit = (Array.MaxLength, "");

    private PooledRequestBody(int capacity)
    {
        _buffer = capacity == 0 ? [] : ArrayPool<byte>.Shared.Rent(capacity);
    }

    /// <summary>The body's bytes (empty when the request has no content).</summary>
    public ArraySegment<byte> Bytes => new(_buffer ?? throw new ObjectDisposedException(nameof(PooledRequestBody)), 0, _length);

    /// <summary>Reads a body of any size (up to the largest array).</summary>
    public static ValueTask<PooledRequestBody> ReadAsync(HttpContent? content, bool async, CancellationToken cancellationToken) =>
        ReadAsync(content, Array.MaxLength, "", async, cancellationToken);

    /// <summary>Reads a body of at most <paramref name="maxBytes"/>.</summary>
    /// <param name="content">The request's content.</param>
    /// <param name="maxBytes">The most bytes read.</param>
    /// <param name="api">The operation's name, for the refusal of a larger body.</param>
    /// <param name="async">Whether to read asynchronously.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <exception cref="UnboundedRequestException">The body is larger than <paramref name="maxBytes"/> (<see cref="UnboundedRequestReason.BodyTooLarge"/>).</exception>
    public static async ValueTask<PooledRequestBody> ReadAsync(HttpContent? content, int maxBytes, string api, bool async, CancellationToken cancellationToken)
    {
        if (content is null)
        {
            return new PooledRequestBody(0);
        }

        long? declared = content.Headers.ContentLength;
        if (declared > maxBytes)
        {
            throw TooLarge(api, maxBytes, declared);
        }

        var body = new PooledRequestBody(declared is { } known ? (int)known : Math.Min(UnknownLengthStart, maxBytes)) { _readLimit = (maxBytes, api) };
        try
        {
            var sink = new Sink(body);
            if (async)
            {
                // Serializes straight into the buffer: no intermediate copy, whatever the content type.
                await content.CopyToAsync(sink, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Serialized straight into the buffer too: ReadAsStream would first buffer a content that has no stream
                // of its own (the OpenAI SDK's) into a MemoryStream of the body's size.
                content.CopyTo(sink, null, cancellationToken);
            }
        }
        catch
        {
            body.Dispose();
            throw;
        }

        return body;
    }

    /// <summary>
    /// The content to send in place of <paramref name="original"/>: these bytes with the original's headers (its
    /// length recomputed). The buffer now belongs to the returned content. The original is not disposed: copies of the
    /// request (a hedging handler's) may share it and read it again.
    /// </summary>
    public HttpContent? ToContent(HttpContent? original)
    {
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(PooledRequestBody));
        if (original is null && _length == 0)
        {
            return null;
        }

        _buffer = null;
        var content = new PooledBodyContent(buffer, _length);
        HttpContents.CopyHeaders(original, content);
        return content;
    }

    /// <summary>Inserts <paramref name="bytes"/> (which must not lie in this body) at <paramref name="index"/>.</summary>
    public void Insert(int index, ReadOnlySpan<byte> bytes)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)index, (uint)_length, nameof(index));
        EnsureCapacity(bytes.Length);
        var buffer = _buffer.AsSpan();
        buffer[index.._length].CopyTo(buffer[(index + bytes.Length)..]);
        bytes.CopyTo(buffer[index..]);
        _length += bytes.Length;
    }

    /// <summary>Replaces the whole body with <paramref name="bytes"/>.</summary>
    public void Reset(ReadOnlySpan<byte> bytes)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        _length = 0;
        Append(bytes);
    }

    public void Dispose()
    {
        if (_buffer is { Length: > 0 } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _buffer = null;
    }

    private static UnboundedRequestException TooLarge(string api, int maxBytes, long? declared)
    {
        var invariant = CultureInfo.InvariantCulture;
        string size = declared is { } length ? string.Create(invariant, $" ({length:N0} bytes, as its Content-Length says)") : "";
        return new(UnboundedRequestReason.BodyTooLarge, string.Create(invariant,
            $"The {api} request was not sent: its body{size} is larger than AgentGuardOptions.MaxRequestBodyBytes ({maxBytes:N0} bytes), the most the guard reads to bound a call's cost. Raise the limit to send larger bodies."));
    }

    /// <summary>Appends what the content writes while it is read, up to the limit.</summary>
    private void AppendRead(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > _readLimit.MaxBytes - _length)
        {
            throw TooLarge(_readLimit.Api, _readLimit.MaxBytes, declared: null);
        }

        Append(bytes);
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        EnsureCapacity(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    private void EnsureCapacity(int more)
    {
        var buffer = _buffer!;
        if (buffer.Length - _length >= more)
        {
            return;
        }

        // More than the declared length, no length declared, or an insertion: grow (rarely taken).
        int needed = checked(_length + more);
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, (int)Math.Min(Array.MaxLength, 2L * buffer.Length)));
        buffer.AsSpan(0, _length).CopyTo(bigger);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _buffer = bigger;
    }

    /// <summary>The write-only stream the content serializes itself into.</summary>
    private sealed class Sink(PooledRequestBody body) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => body.AppendRead(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer) => body.AppendRead(buffer);

        public override void WriteByte(byte value) => body.AppendRead([value]);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            body.AppendRead(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            body.AppendRead(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
