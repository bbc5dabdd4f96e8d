using System.Buffers;
using System.Net;

namespace AgentGuard.Http.Requests;

/// <summary>
/// The request content the guard sends: a pooled buffer, returned to the pool when the content is disposed (the
/// request's owner disposes it) and no serialization is still writing from it. A content never disposed leaves its
/// buffer to the garbage collector, as an allocated one would be.
/// <para>
/// It is a <see cref="ByteArrayContent"/> so that handlers treat it as the plain buffered body it is:
/// SocketsHttpHandler sends such a body before it reads the response, where any other content is sent full duplex,
/// which costs a few percent of a stream's throughput.
/// </para>
/// </summary>
internal sealed class PooledBodyContent : ByteArrayContent
{
    private readonly Lock _gate = new();
    private readonly int _length;
    private byte[]? _buffer;
    private int _writers;
    private bool _disposed;

    public PooledBodyContent(byte[] buffer, int length)
        : base(buffer, 0, length)
    {
        _buffer = buffer;
        _length = length;
    }

    // Written here, not by the base class: for a derived type it calls back the overloads overridden here.
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var buffer = Acquire();
        try
        {
            await stream.WriteAsync(buffer.AsMemory(0, _length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Release();
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var buffer = Acquire();
        try
        {
            stream.Write(buffer, 0, _length);
        }
        finally
        {
            Release();
        }
    }

    // The base class would read the buffer in place, from a stream that may outlive this content: read a copy.
    protected override Stream CreateContentReadStream(CancellationToken cancellationToken) => new MemoryStream(Copy(), writable: false);

    protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult(CreateContentReadStream(CancellationToken.None));

    protected override Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
        Task.FromResult(CreateContentReadStream(cancellationToken));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_gate)
            {
                _disposed = true;
                ReturnIfUnused();
            }
        }

        base.Dispose(disposing);
    }

    private byte[] Copy()
    {
        var buffer = Acquire();
        try
        {
            return buffer.AsSpan(0, _length).ToArray();
        }
        finally
        {
            Release();
        }
    }

    private byte[] Acquire()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _writers++;
            return _buffer!;
        }
    }

    private void Release()
    {
        lock (_gate)
        {
            _writers--;
            ReturnIfUnused();
        }
    }

    private void ReturnIfUnused()
    {
        if (_disposed && _writers == 0 && _buffer is { } buffer)
        {
            _buffer = null;
            if (buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
