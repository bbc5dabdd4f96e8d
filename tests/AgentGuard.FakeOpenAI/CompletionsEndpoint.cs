using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AgentGuard.FakeOpenAI;

/// <summary>POST /v1/completions (legacy, and the Azure routes): JSON or SSE <c>text_completion</c> chunks
/// ending with <c>data: [DONE]</c>; with stream_options.include_usage a last chunk with no choices carries the usage.</summary>
internal static class CompletionsEndpoint
{
    private static long s_nextId;

    public static Task HandleAsync(HttpContext context, FakeBehavior behavior, FakeMeter meter, FakeRoute route) =>
        EndpointSupport.RunAsync(context, ct => HandleCoreAsync(context, behavior, meter, route, ct));

    private static async Task HandleCoreAsync(HttpContext context, FakeBehavior behavior, FakeMeter meter, FakeRoute route, CancellationToken ct)
    {
        if (await EndpointSupport.BeginAsync(context, behavior, meter, ct).ConfigureAwait(false) is not { } begun)
        {
            return;
        }

        (var body, behavior) = begun;
        var request = CompletionsRequest.Parse(body, route, behavior, out var error);
        error ??= EndpointSupport.InjectedError(behavior.Failure);
        if (error is not null || request is null)
        {
            await (error ?? OpenAIError.ServerError()).WriteAsync(context.Response, ct).ConfigureAwait(false);
            return;
        }

        var perChoice = behavior.OutputMode == FakeOutputMode.WorstCase
            ? request.MaxTokens
            : Math.Min(request.MaxTokens, Math.Max(behavior.ShortCompletionTokens, 0));
        var completion = perChoice * request.BilledChoices * request.Prompts.Count;
        var prompt = request.PromptTokens;
        var cost = FakePrices.PriceOf(request.Resolved.Price, prompt, 0, completion);
        var choices = request.N * request.Prompts.Count;
        meter.Bill(new MeteredCall(
            request.Resolved.Model, request.Resolved.Price.Model, prompt, completion, 0, 0, 0, "default", cost, FakePrices.ToMicros(cost),
            behavior.Failure, request.Stream, choices, FakeEndpoints.Completions, Deployment: request.Resolved.Deployment));

        var answer = new Answer(
            $"cmpl-fake{Interlocked.Increment(ref s_nextId):D8}",
            TimeProvider.System.GetUtcNow().ToUnixTimeSeconds(),
            request,
            [.. request.Prompts.SelectMany(p => Enumerable.Repeat((request.Echo ? p.Text : string.Empty) + behavior.ContentText, request.N))],
            perChoice >= request.MaxTokens ? "length" : "stop",
            prompt,
            completion,
            ReportUsage: !behavior.OmitUsage);

        if (!request.Stream)
        {
            await EndpointSupport.FinishJsonAsync(context, behavior.Failure, Completion(answer), ct).ConfigureAwait(false);
            return;
        }

        if (await EndpointSupport.TryWriteReplacedAsync(context, behavior.Failure, ct).ConfigureAwait(false))
        {
            return;
        }

        var cut = behavior.Failure == FakeFailure.CutStreamMidway;
        await WriteStreamAsync(context.Response, answer, behavior, cut, ct).ConfigureAwait(false);
        if (cut)
        {
            await EndpointSupport.AbortAfterGraceAsync(context, ct).ConfigureAwait(false);
        }
    }

    private static async Task WriteStreamAsync(HttpResponse response, Answer a, FakeBehavior behavior, bool cut, CancellationToken ct)
    {
        var sse = SseWriter.Start(response, behavior);
        var pieces = a.Texts.Select(JsonRender.SplitContent).ToList();
        var rounds = pieces.Max(p => p.Count);
        for (var round = 0; round < (cut ? Math.Max(1, rounds / 2) : rounds); round++)
        {
            for (var i = 0; i < a.Texts.Count; i++)
            {
                if (round < pieces[i].Count)
                {
                    await sse.WriteEventAsync(Chunk(a, i, pieces[i][round], finishReason: null), ct).ConfigureAwait(false);
                }
            }
        }

        if (cut)
        {
            return;
        }

        for (var i = 0; i < a.Texts.Count; i++)
        {
            await sse.WriteEventAsync(Chunk(a, i, string.Empty, a.FinishReason), ct).ConfigureAwait(false);
        }

        if (a.Request.IncludeUsage && a.ReportUsage)
        {
            await sse.WriteEventAsync(JsonRender.Render(w =>
            {
                WriteHeader(w, a);
                w.WriteStartArray("choices");
                w.WriteEndArray();
                WriteUsage(w, a);
                w.WriteEndObject();
            }), ct).ConfigureAwait(false);
        }

        await sse.WriteDoneAsync(ct).ConfigureAwait(false);
    }

    private static byte[] Completion(Answer a) => JsonRender.Render(w =>
    {
        WriteHeader(w, a);
        w.WriteStartArray("choices");
        for (var i = 0; i < a.Texts.Count; i++)
        {
            WriteChoice(w, i, a.Texts[i], a.FinishReason);
        }

        w.WriteEndArray();
        if (a.ReportUsage)
        {
            WriteUsage(w, a);
        }

        w.WriteEndObject();
    });

    private static byte[] Chunk(Answer a, int index, string text, string? finishReason) => JsonRender.Render(w =>
    {
        WriteHeader(w, a);
        w.WriteStartArray("choices");
        WriteChoice(w, index, text, finishReason);
        w.WriteEndArray();
        if (a.Request.IncludeUsage)
        {
            w.WriteNull("usage");
        }

        w.WriteEndObject();
    });

    private static void WriteHeader(Utf8JsonWriter w, Answer a)
    {
        w.WriteStartObject();
        w.WriteString("id", a.Id);
        w.WriteString("object", "text_completion");
        w.WriteNumber("created", a.Created);
        w.WriteString("model", a.Request.Resolved.Model);
    }

    private static void WriteChoice(Utf8JsonWriter w, int index, string text, string? finishReason)
    {
        w.WriteStartObject();
        JsonRender.WriteRawString(w, "text", text);
        w.WriteNumber("index", index);
        w.WriteNull("logprobs");
        w.WriteString("finish_reason", finishReason);
        w.WriteEndObject();
    }

    private static void WriteUsage(Utf8JsonWriter w, Answer a)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", a.PromptTokens);
        w.WriteNumber("completion_tokens", a.CompletionTokens);
        w.WriteNumber("total_tokens", (long)a.PromptTokens + a.CompletionTokens);
        w.WriteEndObject();
    }

    /// <summary>One answer: the text of every returned choice (prompt-major), the usage it reports.</summary>
    private sealed record Answer(
        string Id, long Created, CompletionsRequest Request, IReadOnlyList<string> Texts, string FinishReason,
        int PromptTokens, int CompletionTokens, bool ReportUsage);
}
