using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using AgentGuard.Http.Providers;

namespace AgentGuard.Http.Settlement;

/// <summary>
/// Passes a server-sent event stream through to the caller while reading its lines as they go by, and settles
/// the reservation from the usage its operation's <see cref="StreamUsageReader"/> finds (the provider's dialect: which
/// events carry usage, which one is the last word). Lines may be split anywhere across reads (even inside a UTF-8
/// character), so the tail of a read is kept until its line ends. Nothing is buffered beyond one line.
/// <para>
/// When the guard asked for the stream's usage itself, the event that carries it is removed from what the caller
/// reads (the reader says which), so the caller sees the stream it asked for; then lines are handed on whole.
/// </para>
/// A stream that ends, fails or is disposed before its usage arrived is charged its reservation.
/// </summary>
internal sealed class SseUsageStream : Stream
{
    private static ReadOnlySpan<byte> DataPrefix => "data:"u8;

    private readonly Stream _inner;
    private readonly CallReservation _reservation;
    private readonly bool _strip;
    private readonly StreamUsageReader _events;
    private readonly int _maxHeldLine;

    // The start of the current line, kept until the line ends (pass-through: a copy; strip: not yet handed on).
    private byte[] _line = [];
    private int _lineLength;
    private bool _lineTooLong;

    // Strip mode only: whole lines waiting to be handed to the caller.
    private byte[] _out = [];
    private int _outStart;
    private int _outEnd;
    private bool _dropNextBlankLine;

    private byte[]? _readBuffer;

    private bool _ended;
    private bool _disposed;

    /// <param name="inner">The response's stream.</param>
    /// <param name="reservation">The reservation the stream settles.</param>
    /// <param name="stripUsageChunk">Whether the guard asked for the usage event itself, so that the caller does not see it.</param>
    /// <param name="events">The operation's reader of this stream's events.</param>
    public SseUsageStream(Stream inner, CallReservation reservation, bool stripUsageChunk, StreamUsageReader events)
    {
        _inner = inner;
        _reservation = reservation;
        _strip = stripUsageChunk;
        _events = events;
        _maxHeldLine = events.MaxUsageLineBytes;
    }

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
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (!buffer.IsEmpty)
        {
            if (_outEnd > _outStart)
            {
                return CopyOut(buffer);
            }

            if (_ended)
            {
                return 0;
            }

            // Strip mode reads into a buffer of its own: what reaches the caller is decided line by line.
            var target = _strip ? RentReadBuffer(buffer.Length).Span : buffer;
            int read;
            try
            {
                read = _inner.Read(target);
            }
            catch
            {
                SyncPath.Complete(EndAsync("the stream failed before its usage arrived", async: false));
                throw;
            }

            SyncPath.Complete(AfterRead(read, target, async: false));
            if (!_strip)
            {
                return read;
            }
        }

        return 0;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>
    /// Runs synchronously while the inner stream and the ledger answer at once (data already buffered, an in-memory
    /// ledger): no state machine, no allocation. Otherwise it continues in a state machine taken from a pool.
    /// </summary>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_disposed)
        {
            return ValueTask.FromException<int>(new ObjectDisposedException(GetType().FullName));
        }

        while (!buffer.IsEmpty)
        {
            if (_outEnd > _outStart)
            {
                return new ValueTask<int>(CopyOut(buffer.Span));
            }

            if (_ended)
            {
                return new ValueTask<int>(0);
            }

            var target = _strip ? RentReadBuffer(buffer.Length) : buffer;
            ValueTask<int> reading;
            try
            {
                reading = _inner.ReadAsync(target, cancellationToken);
            }
            catch (Exception ex)
            {
                return FailAsync(ex);
            }

            if (!reading.IsCompletedSuccessfully)
            {
                return ContinueReadAsync(reading, target, buffer, cancellationToken);
            }

            int read = reading.Result;
            var observing = AfterRead(read, target.Span, async: true);
            if (!observing.IsCompletedSuccessfully)
            {
                return ContinueAfterAsync(observing, read, buffer, cancellationToken);
            }

            observing.GetAwaiter().GetResult();
            if (!_strip)
            {
                return new ValueTask<int>(read);
            }
        }

        return new ValueTask<int>(0);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ContinueReadAsync(ValueTask<int> reading, Memory<byte> target, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int read;
        try
        {
            read = await reading.ConfigureAwait(false);
        }
        catch
        {
            await EndAsync("the stream failed before its usage arrived", async: true).ConfigureAwait(false);
            throw;
        }

        return await ContinueAfterAsync(AfterRead(read, target.Span, async: true), read, buffer, cancellationToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ContinueAfterAsync(ValueTask observing, int read, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        await observing.ConfigureAwait(false);

        // Pass-through hands the read on as it is; strip mode reads on until whole lines are ready for the caller.
        return _strip ? await ReadAsync(buffer, cancellationToken).ConfigureAwait(false) : read;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> FailAsync(Exception exception)
    {
        await EndAsync("the stream failed before its usage arrived", async: true).ConfigureAwait(false);
        ExceptionDispatchInfo.Throw(exception);
        return 0;
    }

    /// <summary>What a read brought: the end of the stream, or lines to inspect; then the settlement, or the lease's renewal.</summary>
    private ValueTask AfterRead(int read, ReadOnlySpan<byte> data, bool async)
    {
        if (read == 0)
        {
            FlushHeldLine();
            return EndAsync("the stream ended without usage", async);
        }

        ScanForUsage(data[..read]);

        // Once settled, renewing is a no-op: one ledger call at most per read.
        // The final flag first: a bool, where the usage is a struct copied out of the reader.
        return _events.UsageIsFinal && _events.Usage is { } usage && !_reservation.IsSettled
            ? _reservation.SettleFromUsageAsync(usage, async)
            : _reservation.ExtendIfDueAsync(async);
    }

    private int CopyOut(Span<byte> destination)
    {
        int n = Math.Min(destination.Length, _outEnd - _outStart);
        _out.AsSpan(_outStart, n).CopyTo(destination);
        _outStart += n;
        return n;
    }

    /// <summary>Finds the complete lines in a chunk and inspects each.</summary>
    private void Scan(ReadOnlySpan<byte> chunk)
    {
        while (!chunk.IsEmpty)
        {
            int newline = chunk.IndexOf((byte)'\n');
            if (newline < 0)
            {
                Hold(chunk);
                return;
            }

            var segment = chunk[..(newline + 1)];
            chunk = chunk[(newline + 1)..];
            if (_lineLength == 0 && !_lineTooLong)
            {
                OnLine(segment);
            }
            else
            {
                if (_lineTooLong)
                {
                    // The held part was handed on already (strip) or dropped (pass-through); so is the rest.
                    Emit(segment);
                }
                else
                {
                    // Holding the end of the line may make it too long: then Hold has handed it all on itself.
                    Hold(segment);
                    if (!_lineTooLong)
                    {
                        OnLine(_line.AsSpan(0, _lineLength));
                    }
                }

                _lineLength = 0;
                _lineTooLong = false;
            }
        }
    }

    /// <summary>
    /// Only the lines that can change the settlement are looked at one by one: one search for the last line end, one
    /// vectorized search for <c>usage"</c> over the complete lines, and the lines between are handed on in one piece (strip
    /// mode) or left where they are (pass-through). Every line counts once a usage was seen that a later event may change,
    /// and the blank line after a removed event is looked at on its own.
    /// </summary>
    private void ScanForUsage(ReadOnlySpan<byte> chunk)
    {
        int lastNewline = chunk.LastIndexOf((byte)'\n');
        if (lastNewline < 0)
        {
            Hold(chunk);
            return;
        }

        var lines = chunk[..(lastNewline + 1)];
        if (_lineLength > 0 || _lineTooLong)
        {
            // The line held from the last read ends here: finish it line by line.
            lines = ScanFirstLine(lines);
        }

        while (!lines.IsEmpty)
        {
            if (_dropNextBlankLine)
            {
                lines = ScanFirstLine(lines);
                continue;
            }

            if (_events.ReadsEveryLine)
            {
                // A usage seen may still change, and a later event makes it final: every line counts again.
                Scan(lines);
                break;
            }

            int at = StreamUsageReader.IndexOfObjectMember(lines, _events.UsageKey);
            if (at < 0)
            {
                Emit(lines);
                break;
            }

            int start = lines[..at].LastIndexOf((byte)'\n') + 1;
            int end = at + lines[at..].IndexOf((byte)'\n') + 1;
            Emit(lines[..start]);
            OnLine(lines[start..end]);
            lines = lines[end..];
        }

        var tail = chunk[(lastNewline + 1)..];
        if (!tail.IsEmpty)
        {
            Hold(tail);
        }
    }

    /// <summary>Scans the first line of <paramref name="lines"/> (which end with a line end) and returns the rest.</summary>
    private ReadOnlySpan<byte> ScanFirstLine(ReadOnlySpan<byte> lines)
    {
        int end = lines.IndexOf((byte)'\n') + 1;
        Scan(lines[..end]);
        return lines[end..];
    }

    /// <summary>Keeps the start of a line that has not ended yet, up to the longest line that can carry usage.</summary>
    private void Hold(ReadOnlySpan<byte> part)
    {
        if (_lineTooLong)
        {
            Emit(part);
            return;
        }

        if (_lineLength + part.Length > _maxHeldLine)
        {
            // Too long to be a usage chunk: hand it on as it comes.
            _lineTooLong = true;
            Emit(_line.AsSpan(0, _lineLength));
            Emit(part);
            _lineLength = 0;
            return;
        }

        Grow(ref _line, _lineLength + part.Length, _lineLength);
        part.CopyTo(_line.AsSpan(_lineLength));
        _lineLength += part.Length;
    }

    private void OnLine(ReadOnlySpan<byte> line)
    {
        var text = line.TrimEnd("\r\n"u8);
        if (text.IsEmpty && _dropNextBlankLine)
        {
            // The blank line that ended the removed usage event.
            _dropNextBlankLine = false;
            return;
        }

        _dropNextBlankLine = false;
        if (text.StartsWith(DataPrefix) && _events.OnData(text[DataPrefix.Length..].TrimStart((byte)' '), _strip))
        {
            // The event the guard asked for is not the caller's: neither is the blank line that ends it.
            _dropNextBlankLine = true;
            return;
        }

        Emit(line);
    }

    private void Emit(ReadOnlySpan<byte> bytes)
    {
        if (!_strip || bytes.IsEmpty)
        {
            return;
        }

        if (_outStart == _outEnd)
        {
            _outStart = _outEnd = 0;
        }

        Grow(ref _out, _outEnd + bytes.Length, _outEnd);
        bytes.CopyTo(_out.AsSpan(_outEnd));
        _outEnd += bytes.Length;
    }

    private void FlushHeldLine()
    {
        if (_lineLength > 0)
        {
            OnLine(_line.AsSpan(0, _lineLength));
            _lineLength = 0;
        }
    }

    private Memory<byte> RentReadBuffer(int size)
    {
        size = Math.Clamp(size, 4096, 64 * 1024);
        if (_readBuffer is null || _readBuffer.Length < size)
        {
            if (_readBuffer is not null)
            {
                ArrayPool<byte>.Shared.Return(_readBuffer);
            }

            _readBuffer = ArrayPool<byte>.Shared.Rent(size);
        }

        return _readBuffer.AsMemory(0, size);
    }

    private static void Grow(ref byte[] buffer, int needed, int keep)
    {
        if (buffer.Length >= needed)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, 1024));
        buffer.AsSpan(0, keep).CopyTo(bigger);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        buffer = bigger;
    }

    /// <summary>The stream is over: settle from the usage seen, or charge in full.</summary>
    private ValueTask EndAsync(string reason, bool async)
    {
        _ended = true;
        return _events.Usage is { } usage && _events.UsageIsFinal
            ? _reservation.SettleFromUsageAsync(usage, async)
            : _reservation.ChargeInFullAsync(reason, async);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            try
            {
                SyncPath.Complete(EndAsync("the stream was disposed before its usage arrived", async: false));
            }
            finally
            {
                // The connection goes back whatever the settlement met.
                _inner.Dispose();
                ReturnBuffers();
            }
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            try
            {
                await EndAsync("the stream was disposed before its usage arrived", async: true).ConfigureAwait(false);
            }
            finally
            {
                await _inner.DisposeAsync().ConfigureAwait(false);
                ReturnBuffers();
            }
        }

        GC.SuppressFinalize(this);
    }

    private void ReturnBuffers()
    {
        Return(_line);
        Return(_out);
        Return(_readBuffer);
        _line = _out = [];
        _readBuffer = null;
    }

    private static void Return(byte[]? buffer)
    {
        if (buffer is { Length: > 0 })
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
