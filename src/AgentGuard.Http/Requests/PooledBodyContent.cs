using System.Buffers;
using System.Net;

namespace AgentGuard.Http.Requests;

/// <summary>
/// The request content the guard sends: a pooled buffer, returned to the pool when the content is disposed (the
/// request's owner disposes it) and no serialization is still writing from it. A content never disposed leaves its
/// buffer to the garbage collector, as an allocated one would be.
/// </summary>
internal sealed class PooledBodyContent : HttpContent
{
    private readonly Lock _gate = new();
    private readonly int _length;
    private byte[]? _buffer;
    private int _writers;
    private bool _disposed;

    public PooledBodyContent(byte[] buffer, int length)
    {
        _buffer = buffer;
        _length = length;
    }

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

    // A read stream is not overridden: the base class buffers a copy to read from, which may outlive this content.
    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }

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
