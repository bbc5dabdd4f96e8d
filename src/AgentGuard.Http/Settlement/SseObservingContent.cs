using System.Net;
using AgentGuard.Http.Providers;

namespace AgentGuard.Http.Settlement;

/// <summary>
/// Stands in for an event-stream response's content: the caller reads the original bytes through a
/// <see cref="SseUsageStream"/>, which settles the reservation as the stream passes. Disposing the
/// content (or the response) before the usage arrived charges the reservation in full.
/// </summary>
internal sealed class SseObservingContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly CallReservation _reservation;
    private readonly bool _stripUsageChunk;
    private readonly LlmOperation _operation;
    private SseUsageStream? _stream;

    public SseObservingContent(HttpContent inner, CallReservation reservation, bool stripUsageChunk, LlmOperation operation)
    {
        _inner = inner;
        _reservation = reservation;
        _stripUsageChunk = stripUsageChunk;
        _operation = operation;
        reservation.StartRenewal();
        foreach (var header in inner.Headers)
        {
            // The caller may not see every byte (the usage chunk can be removed): no length is promised.
            if (!header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }
    }

    protected override Stream CreateContentReadStream(CancellationToken cancellationToken) =>
        _stream ??= new SseUsageStream(_inner.ReadAsStream(cancellationToken), _reservation, _stripUsageChunk, _operation.CreateStreamReader());

    protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
        _stream ??= new SseUsageStream(await _inner.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), _reservation, _stripUsageChunk, _operation.CreateStreamReader());

    protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var source = await CreateContentReadStreamAsync(cancellationToken).ConfigureAwait(false);
        await source.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        CreateContentReadStream(cancellationToken).CopyTo(stream);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (_stream is not null)
            {
                _stream.Dispose();
            }
            else
            {
                SyncPath.Complete(_reservation.ChargeInFullAsync("the stream was disposed before it was read", async: false));
            }

            _inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
