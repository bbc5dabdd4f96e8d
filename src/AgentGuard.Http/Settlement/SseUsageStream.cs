using System.Buffers;

namespace AgentGuard.Http.Settlement;

/// <summary>
/// Passes a server-sent event stream through to the caller while reading its lines as they go by, and settles
/// the reservation from the usage chunk. Lines may be split anywhere across reads (even inside a UTF-8
/// character), so the tail of a read is kept until its line ends. Nothing is buffered beyond one line.
/// <para>
/// When the guard added <c>include_usage</c> itself, the usage-only chunk (<c>"choices": []</c>) is removed
/// from what the caller reads, so the caller sees the stream it asked for; then lines are handed on whole.
/// </para>
/// A stream that ends, fails or is disposed before its usage arrived is charged its reservation.
/// </summary>
internal sealed class SseUsageStream : Stream
{
    // A usage chunk is a few hundred bytes: a longer line is content, passed on without being held.
    private const int MaxHeldLine = 16 * 1024;

    private static ReadOnlySpan<byte> DataPrefix => "data:"u8;

    private static ReadOnlySpan<byte> UsageKey => "\"usage\""u8;

    private readonly Stream _inner;
    private readonly CallReservation _reservation;
    private readonly bool _strip;

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

    private TokenUsage? _usage;

    // Whether the usage seen is the stream's last word: its own chunk, or followed by [DONE].
    private bool _usageIsFinal;
    private bool _ended;
    private bool _disposed;

    public SseUsageStream(Stream inner, CallReservation reservation, bool stripUsageChunk)
    {
        _inner = inner;
        _reservation = reservation;
        _strip = stripUsageChunk;
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

    public override int Read(byte[] buffer, int offset, int count) =>
        SyncPath.Complete(ReadCoreAsync(buffer.AsMemory(offset, count), async: false, CancellationToken.None));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadCoreAsync(buffer.AsMemory(offset, count), async: true, cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ReadCoreAsync(buffer, async: true, cancellationToken);

    private async ValueTask<int> ReadCoreAsync(Memory<byte> buffer, bool async, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            if (_outEnd > _outStart)
            {
                int n = Math.Min(buffer.Length, _outEnd - _outStart);
                _out.AsSpan(_outStart, n).CopyTo(buffer.Span);
                _outStart += n;
                return n;
            }

            if (_ended)
            {
                return 0;
            }

            // Strip mode reads into a buffer of its own: what reaches the caller is decided line by line.
            Memory<byte> target = _strip ? RentReadBuffer(buffer.Length) : buffer;
            int read;
            try
            {
                read = async ? await _inner.ReadAsync(target, cancellationToken).ConfigureAwait(false) : _inner.Read(target.Span);
            }
            catch
            {
                await EndAsync("the stream failed before its usage arrived", async).ConfigureAwait(false);
                throw;
            }

            if (read == 0)
            {
                FlushHeldLine();
                await EndAsync("the stream ended without usage", async).ConfigureAwait(false);
                continue;
            }

            Scan(target.Span[..read]);
            if (_usage is { } usage && _usageIsFinal && !_reservation.IsSettled)
            {
                await _reservation.SettleFromUsageAsync(usage, async).ConfigureAwait(false);
            }

            await _reservation.ExtendIfDueAsync(async).ConfigureAwait(false);
            if (!_strip)
            {
                return read;
            }
        }
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
                if (!_lineTooLong)
                {
                    Hold(segment);
                }

                if (_lineTooLong)
                {
                    // The held part was handed on already (strip) or dropped (pass-through); so is the rest.
                    Emit(segment);
                }
                else
                {
                    OnLine(_line.AsSpan(0, _lineLength));
                }

                _lineLength = 0;
                _lineTooLong = false;
            }
        }
    }

    /// <summary>Keeps the start of a line that has not ended yet, up to <see cref="MaxHeldLine"/>.</summary>
    private void Hold(ReadOnlySpan<byte> part)
    {
        if (_lineTooLong)
        {
            Emit(part);
            return;
        }

        if (_lineLength + part.Length > MaxHeldLine)
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
        if (text.StartsWith(DataPrefix))
        {
            var data = text[DataPrefix.Length..].TrimStart((byte)' ');
            if (data.SequenceEqual("[DONE]"u8))
            {
                _usageIsFinal = _usage is not null;
            }
            else if (HasUsageObject(data) && UsageReader.TryRead(data, out var usage, out bool noChoices))
            {
                _usage = usage;

                // OpenAI sends usage once, in a chunk of its own; usage beside choices may still grow.
                _usageIsFinal |= noChoices;
                if (_strip && noChoices)
                {
                    _dropNextBlankLine = true;
                    return;
                }
            }
        }

        Emit(line);
    }

    /// <summary>A cheap test before parsing: every chunk says <c>"usage":null</c> but one.</summary>
    private static bool HasUsageObject(ReadOnlySpan<byte> data)
    {
        int at = data.IndexOf(UsageKey);
        if (at < 0)
        {
            return false;
        }

        var rest = data[(at + UsageKey.Length)..].TrimStart(" \t:"u8);
        return !rest.IsEmpty && rest[0] == (byte)'{';
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
        return _usage is { } usage && _usageIsFinal
            ? _reservation.SettleFromUsageAsync(usage, async)
            : _reservation.ChargeInFullAsync(reason, async);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            SyncPath.Complete(EndAsync("the stream was disposed before its usage arrived", async: false));
            _inner.Dispose();
            ReturnBuffers();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            await EndAsync("the stream was disposed before its usage arrived", async: true).ConfigureAwait(false);
            await _inner.DisposeAsync().ConfigureAwait(false);
            ReturnBuffers();
        }

        GC.SuppressFinalize(this);
    }

    private void ReturnBuffers()
    {
        foreach (var buffer in new[] { _line, _out, _readBuffer })
        {
            if (buffer is { Length: > 0 })
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        _line = _out = [];
        _readBuffer = null;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
