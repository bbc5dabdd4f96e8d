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

    /// <summary>Reads a <c>detail</c> value; anything but <c>low</c> and <c>high</c> is bounded as <c>auto</c> (the worst case).</summary>
    public static ImageDetail ReadDetail(ref Utf8JsonReader reader) =>
        reader.TokenType != JsonTokenType.String ? ImageDetail.Auto
        : reader.ValueTextEquals("low"u8) ? ImageDetail.Low
        : reader.ValueTextEquals("high"u8) ? ImageDetail.High
        : ImageDetail.Auto;
}
