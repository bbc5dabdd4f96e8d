using System.Text.Json;
using AgentGuard.Http.Requests;
using static AgentGuard.Http.Requests.JsonRequestFields;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// Reads a legacy Completions request body in one forward pass with <see cref="Utf8JsonReader"/>, measuring
/// <c>prompt</c> and <c>suffix</c> without copying their text. <c>logprobs</c>, <c>stop</c>, <c>temperature</c> and
/// the other sampling members change nothing that is billed.
/// </summary>
internal static class CompletionsRequestReader
{
    private const string Endpoint = CompletionsOperation.Api;

    /// <param name="body">The request body.</param>
    /// <param name="modelInPath">Whether the path names the deployment (Azure), so that the body may leave out <c>model</c>.</param>
    public static CompletionsRequest Read(ReadOnlySpan<byte> body, bool modelInPath = false) =>
        JsonRequestFields.ReadBody(body, modelInPath, Endpoint, ReadCore);

    private static CompletionsRequest ReadCore(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, bool modelInPath)
    {
        BeginObject(ref reader, Endpoint);

        string? model = null;
        string? serviceTier = null;
        TextOrTokenIds? prompt = null;
        int? maxTokens = null, bestOf = null;
        int n = 1;
        long suffixBytes = 0;
        bool hasSuffix = false, echo = false, stream = false, hasStreamOptions = false;
        bool? includeUsage = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                model = ReadString(ref reader, Endpoint, "model");
            }
            else if (reader.ValueTextEquals("prompt"u8))
            {
                prompt = TextOrTokenIds.Read(ref reader, Endpoint, "prompt");
            }
            else if (reader.ValueTextEquals("suffix"u8))
            {
                reader.Read();
                hasSuffix = reader.TokenType == JsonTokenType.String;
                suffixBytes = hasSuffix ? TextOrTokenIds.TextUnits(ref reader)
                    : reader.TokenType == JsonTokenType.Null ? 0 : throw Malformed(Endpoint, "\"suffix\" must be a string");
            }
            else if (reader.ValueTextEquals("max_tokens"u8))
            {
                maxTokens = ReadCount(ref reader, Endpoint, "max_tokens");
            }
            else if (reader.ValueTextEquals("n"u8))
            {
                n = ReadCount(ref reader, Endpoint, "n", min: 1) ?? 1;
            }
            else if (reader.ValueTextEquals("best_of"u8))
            {
                bestOf = ReadCount(ref reader, Endpoint, "best_of", min: 1);
            }
            else if (reader.ValueTextEquals("echo"u8))
            {
                echo = ReadBool(ref reader, Endpoint, "echo") ?? false;
            }
            else if (reader.ValueTextEquals("stream"u8))
            {
                stream = ReadBool(ref reader, Endpoint, "stream") ?? false;
            }
            else if (reader.ValueTextEquals("stream_options"u8))
            {
                includeUsage = ReadIncludeUsage(ref reader, Endpoint);
                hasStreamOptions = true;
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

        return new CompletionsRequest
        {
            Model = model ?? "",
            BodyBytes = body.Length,
            ServiceTier = serviceTier,
            Prompt = prompt ?? CompletionsRequest.DefaultPrompt,
            HasSuffix = hasSuffix,
            SuffixBytes = suffixBytes,
            MaxTokens = maxTokens,
            N = n,
            BestOf = bestOf,
            Echo = echo,
            Stream = stream,
            HasStreamOptions = hasStreamOptions,
            IncludeUsage = includeUsage,
        };
    }
}
