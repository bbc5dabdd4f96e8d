using System.Text.Json;
using AgentGuard.Http.Requests;
using static AgentGuard.Http.Requests.JsonRequestFields;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// Reads an Embeddings request body in one forward pass with <see cref="Utf8JsonReader"/>, measuring <c>input</c>
/// without copying its text. <c>encoding_format</c>, <c>dimensions</c> and <c>user</c> change nothing that is billed;
/// <c>service_tier</c> is read although embeddings do not document it, so that a tier that may bill more is priced
/// (or refused when it has no price), never ignored.
/// </summary>
internal static class EmbeddingsRequestReader
{
    private const string Endpoint = EmbeddingsOperation.Api;

    /// <param name="body">The request body.</param>
    /// <param name="modelInPath">Whether the path names the deployment (Azure), so that the body may leave out <c>model</c>.</param>
    public static EmbeddingsRequest Read(ReadOnlySpan<byte> body, bool modelInPath = false) =>
        JsonRequestFields.ReadBody(body, modelInPath, Endpoint, ReadCore);

    private static EmbeddingsRequest ReadCore(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, bool modelInPath)
    {
        BeginObject(ref reader, Endpoint);

        string? model = null;
        string? serviceTier = null;
        TextOrTokenIds? input = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                model = ReadString(ref reader, Endpoint, "model");
            }
            else if (reader.ValueTextEquals("input"u8))
            {
                input = TextOrTokenIds.Read(ref reader, Endpoint, "input");
            }
            else if (reader.ValueTextEquals("service_tier"u8))
            {
                serviceTier = ReadString(ref reader, Endpoint, "service_tier");
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        EndObject(ref reader, Endpoint);
        if (string.IsNullOrEmpty(model) && !modelInPath)
        {
            throw Malformed(Endpoint, "it has no \"model\"");
        }

        if (input is not { } measured)
        {
            throw Malformed(Endpoint, "it has no \"input\"");
        }

        return new EmbeddingsRequest
        {
            Model = model ?? "",
            BodyBytes = body.Length,
            ServiceTier = serviceTier,
            Input = measured,
        };
    }
}
