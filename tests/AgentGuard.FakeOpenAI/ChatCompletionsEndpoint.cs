using Microsoft.AspNetCore.Http;

namespace AgentGuard.FakeOpenAI;

/// <summary>POST /v1/chat/completions (and the Azure routes): validate, inject the failure, bill, answer.</summary>
internal static class ChatCompletionsEndpoint
{
    private static long s_nextId;

    public static Task HandleAsync(HttpContext context, FakeBehavior behavior, FakeMeter meter) =>
        HandleAsync(context, behavior, meter, FakeRoute.OpenAI);

    public static Task HandleAsync(HttpContext context, FakeBehavior behavior, FakeMeter meter, FakeRoute route) =>
        EndpointSupport.RunAsync(context, ct => HandleCoreAsync(context, behavior, meter, route, ct));

    private static async Task HandleCoreAsync(HttpContext context, FakeBehavior behavior, FakeMeter meter, FakeRoute route, CancellationToken ct)
    {
        if (await EndpointSupport.BeginAsync(context, behavior, meter, ct).ConfigureAwait(false) is not { } begun)
        {
            return;
        }

        (var body, behavior) = begun;
        var request = ChatRequest.Parse(body, route, behavior, out var error);
        error ??= EndpointSupport.InjectedError(behavior.Failure);

        var tier = request is null ? "default" : ChatUsage.ReportedTier(request, behavior);
        if (error is null && request is not null && FakePrices.TierMultiplier(request.Price, tier) is null)
        {
            error = OpenAIError.Misconfigured($"ReportedServiceTier '{tier}' has no price for '{request.Model}'.");
        }

        if (error is not null || request is null)
        {
            await (error ?? OpenAIError.ServerError()).WriteAsync(context.Response, ct).ConfigureAwait(false);
            return;
        }

        var usage = ChatUsage.Plan(request, behavior, tier);
        var cost = request.Audio is { } audio
            ? FakePrices.PriceOf(request.Price, usage.PromptTokens, usage.CachedTokens, usage.CompletionTokens, usage.AudioCompletionTokens, audio, tier)
            : FakePrices.PriceOf(request.Price, usage.PromptTokens, usage.CachedTokens, usage.CompletionTokens, tier);
        meter.Bill(new MeteredCall(
            request.Model, request.Price.Model, usage.PromptTokens, usage.CompletionTokens, usage.CachedTokens, usage.ReasoningTokens,
            usage.RejectedPredictionTokens, tier, cost, FakePrices.ToMicros(cost), behavior.Failure, request.Stream, request.Choices,
            FakeEndpoints.ChatCompletions, ImageTokens: request.ImageTokens, Deployment: request.Deployment, AudioCompletionTokens: usage.AudioCompletionTokens));

        var answer = new ChatAnswer(
            $"chatcmpl-fake{Interlocked.Increment(ref s_nextId):D8}",
            TimeProvider.System.GetUtcNow().ToUnixTimeSeconds(),
            request.Model,
            request.Choices,
            behavior.ContentText,
            usage,
            ReportUsage: !behavior.OmitUsage,
            IncludeUsage: request.Stream && request.IncludeUsage,
            Audio: request.Audio is not null);

        if (!request.Stream)
        {
            await EndpointSupport.FinishJsonAsync(context, behavior.Failure, ChatJson.Completion(answer), ct).ConfigureAwait(false);
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

    private static async Task WriteStreamAsync(HttpResponse response, ChatAnswer answer, FakeBehavior behavior, bool cut, CancellationToken ct)
    {
        var sse = SseWriter.Start(response, behavior);
        for (var i = 0; i < answer.Choices; i++)
        {
            await sse.WriteEventAsync(ChatJson.RoleChunk(answer, i), ct).ConfigureAwait(false);
        }

        var pieces = ChatJson.SplitContent(answer.Content);
        var written = cut ? Math.Max(1, pieces.Count / 2) : pieces.Count;
        foreach (var piece in pieces.Take(written))
        {
            for (var i = 0; i < answer.Choices; i++)
            {
                await sse.WriteEventAsync(ChatJson.ContentChunk(answer, i, piece), ct).ConfigureAwait(false);
            }
        }

        if (cut)
        {
            return;
        }

        if (answer.Audio)
        {
            for (var i = 0; i < answer.Choices; i++)
            {
                await sse.WriteEventAsync(ChatJson.AudioDataChunk(answer, i), ct).ConfigureAwait(false);
            }
        }

        for (var i = 0; i < answer.Choices; i++)
        {
            await sse.WriteEventAsync(ChatJson.FinishChunk(answer, i), ct).ConfigureAwait(false);
        }

        if (answer.IncludeUsage && answer.ReportUsage)
        {
            await sse.WriteEventAsync(ChatJson.UsageChunk(answer), ct).ConfigureAwait(false);
        }

        await sse.WriteDoneAsync(ct).ConfigureAwait(false);
    }
}
