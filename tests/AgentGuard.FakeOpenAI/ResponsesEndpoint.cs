using Microsoft.AspNetCore.Http;

namespace AgentGuard.FakeOpenAI;

/// <summary>POST /v1/responses (JSON, SSE, background), GET /v1/responses/{id} and
/// POST /v1/responses/{id}/cancel. Every response is billed once, when it is created.</summary>
internal static class ResponsesEndpoint
{
    public static Task CreateAsync(HttpContext context, FakeBehavior behavior, FakeMeter meter, ResponseStore store, FakeRoute route) =>
        EndpointSupport.RunAsync(context, ct => CreateCoreAsync(context, behavior, meter, store, route, ct));

    /// <summary>The stored response: "in_progress" while a background response has polls left, then its final state.</summary>
    public static Task GetAsync(HttpContext context, ResponseStore store, string id)
    {
        if (store.Find(id) is not { } stored)
        {
            return ResponseStore.NotFound(id).WriteAsync(context.Response, context.RequestAborted);
        }

        var view = stored.Cancelled ? ResponseView.Cancelled : stored.TryTakePoll() ? ResponseView.InProgress : ResponseView.Final;
        return EndpointSupport.WriteJsonAsync(context.Response, ResponsesJson.Response(stored.Answer, view), cut: false, context.RequestAborted);
    }

    /// <summary>Cancels a running background response (still billed); a finished one is returned as is.</summary>
    public static Task CancelAsync(HttpContext context, ResponseStore store, string id)
    {
        if (store.Find(id) is not { } stored)
        {
            return ResponseStore.NotFound(id).WriteAsync(context.Response, context.RequestAborted);
        }

        if (!stored.Answer.Request.Background)
        {
            return OpenAIError.Invalid("Only responses created with 'background': true can be cancelled.", code: "invalid_request")
                .WriteAsync(context.Response, context.RequestAborted);
        }

        var view = stored.TryCancel() || stored.Cancelled ? ResponseView.Cancelled : ResponseView.Final;
        return EndpointSupport.WriteJsonAsync(context.Response, ResponsesJson.Response(stored.Answer, view), cut: false, context.RequestAborted);
    }

    private static async Task CreateCoreAsync(
        HttpContext context, FakeBehavior behavior, FakeMeter meter, ResponseStore store, FakeRoute route, CancellationToken ct)
    {
        if (await EndpointSupport.BeginAsync(context, behavior, meter, ct).ConfigureAwait(false) is not { } begun)
        {
            return;
        }

        (var body, behavior) = begun;
        var request = ResponsesRequest.Parse(body, route, behavior, out var error);
        StoredResponse? previous = null;
        if (error is null && request?.PreviousResponseId is { } previousId && (previous = store.Find(previousId)) is null)
        {
            error = ResponseStore.PreviousNotFound(previousId);
        }

        if (error is null && request is not null)
        {
            var known = ResponsesPlan.KnownInput(request, previous, behavior);
            if (known > request.Price.MaxInput || known >= request.Price.ContextWindow)
            {
                error = OpenAIError.Invalid(
                    $"Your input exceeds the context window of this model: {known} input tokens, at most {request.Price.MaxInput} (fake).",
                    "input", "context_length_exceeded");
            }
        }

        error ??= EndpointSupport.InjectedError(behavior.Failure);
        var tier = request is null ? "default" : ResponsesPlan.ReportedTier(request, behavior);
        if (error is null && request is not null && FakePrices.TierMultiplier(request.Price, tier) is null)
        {
            error = OpenAIError.Misconfigured($"ReportedServiceTier '{tier}' has no price for '{request.Model}'.");
        }

        var plan = error is null && request is not null ? ResponsesPlan.Make(request, previous, behavior, tier, out error) : null;
        if (error is not null || request is null || plan is null)
        {
            await (error ?? OpenAIError.ServerError()).WriteAsync(context.Response, ct).ConfigureAwait(false);
            return;
        }

        var answer = new ResponseAnswer(
            "resp_" + Guid.NewGuid().ToString("N"),
            TimeProvider.System.GetUtcNow().ToUnixTimeSeconds(),
            request,
            plan,
            "msg_" + Guid.NewGuid().ToString("N"),
            behavior.ContentText,
            ReportUsage: !behavior.OmitUsage);
        store.Add(answer, request.Background && !request.Stream ? Math.Max(behavior.BackgroundPolls, 0) : 0);

        var tokensCost = FakePrices.PriceOf(request.Price, plan.InputTokens, plan.CachedTokens, plan.OutputTokens, tier);
        var cost = tokensCost + plan.ToolFeesUsd;
        meter.Bill(new MeteredCall(
            request.Model, request.Price.Model, plan.InputTokens, plan.OutputTokens, plan.CachedTokens, plan.ReasoningTokens, 0,
            tier, cost, FakePrices.ToMicros(cost), behavior.Failure, request.Stream, 1, FakeEndpoints.Responses, plan.ToolFeesUsd,
            plan.ImageTokens, plan.ToolCalls.Count, request.Resolved.Deployment, answer.Id));

        if (!request.Stream)
        {
            var view = request.Background ? ResponseView.Queued : ResponseView.Final;
            await EndpointSupport.FinishJsonAsync(context, behavior.Failure, ResponsesJson.Response(answer, view), ct).ConfigureAwait(false);
            return;
        }

        if (await EndpointSupport.TryWriteReplacedAsync(context, behavior.Failure, ct).ConfigureAwait(false))
        {
            return;
        }

        var events = ResponsesJson.Events(answer);
        var cut = behavior.Failure == FakeFailure.CutStreamMidway;
        var sse = SseWriter.Start(context.Response, behavior);
        foreach (var e in cut ? events.Take(events.Count / 2) : events)
        {
            await sse.WriteEventAsync(e.Type, e.Json, ct).ConfigureAwait(false);
        }

        if (cut)
        {
            await EndpointSupport.AbortAfterGraceAsync(context, ct).ConfigureAwait(false);
        }
    }
}
