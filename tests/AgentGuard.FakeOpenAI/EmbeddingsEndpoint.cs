using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AgentGuard.FakeOpenAI;

/// <summary>POST /v1/embeddings (and the Azure routes): bills the input tokens at the model's input price
/// and answers deterministic vectors, as floats or base64 little-endian float32.</summary>
internal static class EmbeddingsEndpoint
{
    public static Task HandleAsync(HttpContext context, FakeBehavior behavior, FakeMeter meter, FakeRoute route) =>
        EndpointSupport.RunAsync(context, ct => HandleCoreAsync(context, behavior, meter, route, ct));

    private static async Task HandleCoreAsync(HttpContext context, FakeBehavior behavior, FakeMeter meter, FakeRoute route, CancellationToken ct)
    {
        if (await EndpointSupport.BeginAsync(context, behavior, meter, ct).ConfigureAwait(false) is not { } begun)
        {
            return;
        }

        (var body, behavior) = begun;
        var request = EmbeddingsRequest.Parse(body, route, behavior, out var error);
        error ??= EndpointSupport.InjectedError(behavior.Failure);
        if (error is not null || request is null)
        {
            await (error ?? OpenAIError.ServerError()).WriteAsync(context.Response, ct).ConfigureAwait(false);
            return;
        }

        var prompt = request.PromptTokens;
        var cost = FakePrices.PriceOf(request.Resolved.Price, prompt, 0, 0);
        meter.Bill(new MeteredCall(
            request.Resolved.Model, request.Resolved.Price.Model, prompt, 0, 0, 0, 0, "default", cost, FakePrices.ToMicros(cost),
            behavior.Failure, Stream: false, 1, FakeEndpoints.Embeddings, Deployment: request.Resolved.Deployment));

        await EndpointSupport.FinishJsonAsync(context, behavior.Failure, Render(request, !behavior.OmitUsage), ct).ConfigureAwait(false);
    }

    private static byte[] Render(EmbeddingsRequest request, bool reportUsage) => JsonRender.Render(w =>
    {
        w.WriteStartObject();
        w.WriteString("object", "list");
        w.WriteStartArray("data");
        for (var i = 0; i < request.InputTokens.Count; i++)
        {
            w.WriteStartObject();
            w.WriteString("object", "embedding");
            w.WriteNumber("index", i);
            WriteVector(w, Vector(i, request.Dimensions), request.Base64);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteString("model", request.Resolved.Model);
        if (reportUsage)
        {
            w.WriteStartObject("usage");
            w.WriteNumber("prompt_tokens", request.PromptTokens);
            w.WriteNumber("total_tokens", request.PromptTokens);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    });

    /// <summary>A fixed vector per input index: small values that round-trip exactly through float32.</summary>
    internal static float[] Vector(int index, int dimensions)
    {
        var vector = new float[dimensions];
        for (var j = 0; j < dimensions; j++)
        {
            vector[j] = (((index * 7) + j) % 64 - 32) / 64f;
        }

        return vector;
    }

    private static void WriteVector(Utf8JsonWriter w, float[] vector, bool base64)
    {
        if (base64)
        {
            var bytes = new byte[vector.Length * sizeof(float)];
            for (var j = 0; j < vector.Length; j++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(j * sizeof(float)), vector[j]);
            }

            w.WriteString("embedding", Convert.ToBase64String(bytes));
            return;
        }

        w.WriteStartArray("embedding");
        foreach (var value in vector)
        {
            w.WriteNumberValue(value);
        }

        w.WriteEndArray();
    }
}
