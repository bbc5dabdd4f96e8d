using System.Text.Json;
using AgentGuard.Http.Estimation;
using AgentGuard.Http.Requests;

namespace AgentGuard.Http.Providers.OpenAI;

/// <summary>
/// The input of a legacy Completions request, and the output it returns without generating it.
/// <para>
/// <b>Prompts</b>: each is tokenized on its own, with no framing (see <see cref="TextOrTokenIdsInputBounds"/>); an
/// absent prompt is <c>&lt;|endoftext|&gt;</c>, one token. <b>Suffix</b> (insert mode): its text is input to every
/// prompt's completion, with <see cref="FramingPerSuffix"/> tokens for the unpublished markers that place it.
/// </para>
/// <para>
/// <b>Echo</b>: every completion returns its prompt before the text it generates. Whether OpenAI bills the echoed prompt
/// as output is not published, so it is assumed to: each completion bills at most its prompt's input again, beyond
/// <c>max_tokens</c>. With P prompts of input I and C completions each, that is at most C x I in all, which is what
/// P x C completions of ceil(I / P) each add (<see cref="InputTokenBound.PredictionUpper"/>: output per choice that the
/// cap does not limit).
/// </para>
/// <para>
/// <b>Lower</b>: the context window caps each completion at the room its own prompt leaves, so the completion with the
/// most room is the one of the shortest prompt: the lower bound is that of the smallest prompt (token ids count
/// exactly, text by the tokenizer), never a sum.
/// </para>
/// </summary>
internal static class CompletionsInputBounds
{
    /// <summary>Insert mode places the prompt and the suffix between markers (prefix, suffix, middle): one token each.</summary>
    public const int FramingPerSuffix = 3;

    public static InputTokenBound ByBytes(CompletionsRequest request, ModelPrice price) =>
        Bound(request, TextOrTokenIdsInputBounds.UpperByBytes(request.Prompt, TextOrTokenIdsInputBounds.CapPerItem(price)), request.SuffixBytes, request.Prompt.MinItemTokens);

    public static InputTokenBound ByTokenizer(ReadOnlySpan<byte> body, CompletionsRequest request, ModelPrice price, TextTokens tokens)
    {
        long cap = TextOrTokenIdsInputBounds.CapPerItem(price);
        var reader = new Utf8JsonReader(body, JsonRequestFields.ReaderOptions);
        reader.Read();
        var prompt = (Upper: CompletionsRequest.DefaultPrompt.Units, Lower: CompletionsRequest.DefaultPrompt.MinItemTokens);
        long suffix = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt"u8))
            {
                // The last "prompt" is the one read, as by the request reader; null is the default prompt.
                prompt = TextOrTokenIdsInputBounds.ByTokenizer(ref reader, tokens, cap);
                if (reader.TokenType == JsonTokenType.Null)
                {
                    prompt = (CompletionsRequest.DefaultPrompt.Units, CompletionsRequest.DefaultPrompt.MinItemTokens);
                }
            }
            else if (reader.ValueTextEquals("suffix"u8))
            {
                reader.Read();
                suffix = reader.TokenType == JsonTokenType.String ? tokens.Count(ref reader).Upper : 0;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return Bound(request, prompt.Upper, suffix, prompt.Lower);
    }

    private static InputTokenBound Bound(CompletionsRequest request, long promptUpper, long suffixUpper, long lower)
    {
        long prompts = request.Prompt.Items;
        long upper = promptUpper + (request.HasSuffix ? prompts * (suffixUpper + FramingPerSuffix) : 0);
        long echoPerCompletion = request.Echo ? (upper + prompts - 1) / prompts : 0;
        return new InputTokenBound(upper, lower, echoPerCompletion);
    }
}
