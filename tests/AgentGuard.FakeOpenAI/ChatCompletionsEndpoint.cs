using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace AgentGuard.FakeOpenAI;

/// <summary>POST /v1/chat/completions: validate, inject the failure, bill, answer.</summary>
internal static class ChatCompletionsEndpoint
{
    private const string BadGatewayHtml =
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
        + "<hr><center>fake-openai</center>\r\n</body>\r\n</html>\r\n";

    private static readonly TimeSpan CutGrace = TimeSpan.FromMilliseconds(100);

    private static long s_nextId;

    public static async Task HandleAsync(HttpContext context, FakeBehavior behavior, FakeMeter meter)
    {
        var ct = context.RequestAborted;
        try
        {
            await HandleCoreAsync(context, behavior, meter, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ConnectionResetException or IOException && ct.IsCancellationRequested)
        {
            // The client went away (a cancelled delay, a disposed stream): nothing left to answer.
        }
    }

    private static async Task HandleCoreAsync(HttpContext context, FakeBehavior behavior, FakeMeter meter, CancellationToken ct)
    {
        string body;
        using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(ct).ConfigureAwait(false);
        }

        meter.RecordBody(body);
        if (!TryApplyOverrides(context.Request.Headers, ref behavior, out var headerError))
        {
            await headerError.WriteAsync(context.Response, ct).ConfigureAwait(false);
            return;
        }

        if (behavior.ResponseDelay > TimeSpan.Zero)
        {
            await Task.Delay(behavior.ResponseDelay, ct).ConfigureAwait(false);
        }

        var request = ChatRequest.Parse(body, out var error);
        error ??= behavior.Failure switch
        {
            FakeFailure.RateLimit429 => OpenAIError.RateLimited(),
            FakeFailure.ServerError500 => OpenAIError.ServerError(),
            FakeFailure.BadRequest400 => OpenAIError.Invalid("Injected bad request (fake).", code: "invalid_request"),
            _ => null,
        };

        var tier = request is null ? "default" : ChatUsage.ReportedTier(request, behavior);
        if (error is null && request is not null && FakePrices.TierMultiplier(request.Price, tier) is null)
        {
            error = new OpenAIError(500, $"Fake misconfigured: ReportedServiceTier '{tier}' has no price for '{request.Model}'.", "server_error");
        }

        if (error is not null || request is null)
        {
            await (error ?? OpenAIError.ServerError()).WriteAsync(context.Response, ct).ConfigureAwait(false);
            return;
        }

        var usage = ChatUsage.Plan(request, behavior, tier);
        var cost = FakePrices.PriceOf(request.Price, usage.PromptTokens, usage.CachedTokens, usage.CompletionTokens, tier);
        meter.Bill(new MeteredCall(
            request.Model, request.Price.Model, usage.PromptTokens, usage.CompletionTokens, usage.CachedTokens, usage.ReasoningTokens,
            usage.RejectedPredictionTokens, tier, cost, FakePrices.ToMicros(cost), behavior.Failure, request.Stream, request.Choices));

        var answer = new ChatAnswer(
            $"chatcmpl-fake{Interlocked.Increment(ref s_nextId):D8}",
            TimeProvider.System.GetUtcNow().ToUnixTimeSeconds(),
            request.Model,
            request.Choices,
            behavior.ContentText,
            usage,
            ReportUsage: !behavior.OmitUsage,
            IncludeUsage: request.Stream && request.IncludeUsage);

        switch (behavior.Failure)
        {
            case FakeFailure.AbortBeforeResponse:
                context.Abort();
                return;
            case FakeFailure.BadGateway502:
                await WriteTextAsync(context.Response, StatusCodes.Status502BadGateway, "text/html", BadGatewayHtml, ct).ConfigureAwait(false);
                return;
            case FakeFailure.Timeout408:
                await WriteTextAsync(context.Response, StatusCodes.Status408RequestTimeout, "text/plain", "stream timeout", ct).ConfigureAwait(false);
                return;
        }

        var cut = behavior.Failure == FakeFailure.CutStreamMidway;
        if (request.Stream)
        {
            await WriteStreamAsync(context.Response, answer, behavior, cut, ct).ConfigureAwait(false);
        }
        else
        {
            await WriteJsonAsync(context.Response, answer, cut, ct).ConfigureAwait(false);
        }

        if (cut)
        {
            // Abort drops output not yet on the wire: give the client time to receive the first half.
            await Task.Delay(CutGrace, ct).ConfigureAwait(false);
            context.Abort();
        }
    }

    private static async Task WriteJsonAsync(HttpResponse response, ChatAnswer answer, bool cut, CancellationToken ct)
    {
        var json = ChatJson.Completion(answer);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = json.Length;
        await response.Body.WriteAsync(cut ? json.AsMemory(0, json.Length / 2) : json, ct).ConfigureAwait(false);
        await response.Body.FlushAsync(ct).ConfigureAwait(false);
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

    private static async Task WriteTextAsync(HttpResponse response, int status, string contentType, string text, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, ct).ConfigureAwait(false);
    }

    private static bool TryApplyOverrides(IHeaderDictionary headers, ref FakeBehavior behavior, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out OpenAIError? error)
    {
        error = null;
        var failure = headers[FakeHeaders.Failure].ToString();
        if (failure.Length > 0)
        {
            if (!Enum.TryParse<FakeFailure>(failure, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
            {
                error = OpenAIError.Invalid($"Unknown {FakeHeaders.Failure} '{failure}'.");
                return false;
            }

            behavior = behavior with { Failure = parsed };
        }

        var output = headers[FakeHeaders.Output].ToString();
        if (output.Length > 0)
        {
            if (!Enum.TryParse<FakeOutputMode>(output, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
            {
                error = OpenAIError.Invalid($"Unknown {FakeHeaders.Output} '{output}'.");
                return false;
            }

            behavior = behavior with { OutputMode = parsed };
        }

        return true;
    }
}
