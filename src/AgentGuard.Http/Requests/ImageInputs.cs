using System.Text.Json;
using AgentGuard.Http.Estimation;

namespace AgentGuard.Http.Requests;

/// <summary>One image input: its size when the body carries it inline (null when given by URL or file id), and its detail.</summary>
internal readonly record struct ImageInput(int? Width, int? Height, ImageDetail Detail);

/// <summary>
/// The images of a request, collected by its reader. An image is billed by the rule of the model's family, not by the
/// text of its URL, so the URL's bytes (a data URL can be megabytes) are taken out of the byte bound of the text.
/// </summary>
internal sealed class ImageInputs
{
    private readonly List<ImageInput> _images = [];

    public IReadOnlyList<ImageInput> Images => _images;

    /// <summary>The UTF-8 bytes of image URLs and data in the body: not text, so not part of the text bound.</summary>
    public long UrlBytes { get; private set; }

    public int Count => _images.Count;

    /// <summary>Records an image from the JSON string value the reader is on (a data URL, an https URL, or a file id).</summary>
    public void Add(ref Utf8JsonReader reader, ImageDetail detail)
    {
        var url = reader.ValueSpan;
        UrlBytes += url.Length;
        _images.Add(ImageHeader.TryReadDataUrlSize(url, out int width, out int height)
            ? new ImageInput(width, height, detail)
            : new ImageInput(null, null, detail));
    }

    /// <summary>Takes the image read into <paramref name="part"/> with its <paramref name="detail"/>, or records one of unknown size.</summary>
    public void AddFrom(ImageInputs? part, ImageDetail detail)
    {
        if (part is { Count: 1 })
        {
            UrlBytes += part.UrlBytes;
            _images.Add(part._images[0] with { Detail = detail });
        }
        else
        {
            AddUnknown(detail);
        }
    }

    /// <summary>An image known only by reference (a file id): its worst case.</summary>
    public void AddUnknown(ImageDetail detail) => _images.Add(new ImageInput(null, null, detail));

    /// <summary>
    /// Reads a <c>detail</c> value: <c>low</c>, <c>high</c>, or <c>auto</c> (bounded as <c>high</c>, the worst case). Any other
    /// level (a newer one such as <c>original</c>, which does not downscale) has no rule here, so the request is refused.
    /// </summary>
    public static ImageDetail ReadDetail(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Null ? ImageDetail.Auto
        : reader.TokenType != JsonTokenType.String ? throw UnknownDetail("a detail that is not a string")
        : reader.ValueTextEquals("low"u8) ? ImageDetail.Low
        : reader.ValueTextEquals("high"u8) ? ImageDetail.High
        : reader.ValueTextEquals("auto"u8) ? ImageDetail.Auto
        : throw UnknownDetail($"detail '{reader.GetString()}'");

    private static UnboundedRequestException UnknownDetail(string what) =>
        new(UnboundedRequestReason.UnsupportedContent,
            $"The request has an image with {what}, for which the guard has no token rule (it knows low, high and auto), so its cost cannot be bounded.");
}
