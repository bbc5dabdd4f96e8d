using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace AgentGuard.FakeOpenAI;

/// <summary>What every model endpoint does the same way: read and record the body, apply the override
/// headers and the delay, inject failures, write (or cut) the answer.</summary>
internal static class EndpointSupport
{
    private const string BadGatewayHtml =
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
        + "<hr><center>fake-openai</center>\r\n</body>\r\n</html>\r\n";

    private static readonly TimeSpan CutGrace = TimeSpan.FromMilliseconds(100);

    /// <summary>Runs a handler; a client that went away (a cancelled delay, a disposed stream) ends it quietly.</summary>
    public static async Task RunAsync(HttpContext context, Func<CancellationToken, Task> handler)
    {
        var ct = context.RequestAborted;
        try
        {
            await handler(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ConnectionResetException or IOException && ct.IsCancellationRequested)
        {
            // Nothing left to answer.
        }
    }

    /// <summary>Reads and records the body, applies the override headers and the delay. Null when an
    /// error was answered (a bad override header).</summary>
    public static async Task<(string Body, FakeBehavior Behavior)?> BeginAsync(
        HttpContext context, FakeBehavior behavior, FakeMeter meter, CancellationToken ct)
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
            return null;
        }

        if (behavior.ResponseDelay > TimeSpan.Zero)
        {
            await Task.Delay(behavior.ResponseDelay, ct).ConfigureAwait(false);
        }

        return (body, behavior);
    }

    /// <summary>The error answer of an injected failure that is not billed, else null.</summary>
    public static OpenAIError? InjectedError(FakeFailure failure) => failure switch
    {
        FakeFailure.RateLimit429 => OpenAIError.RateLimited(),
        FakeFailure.InsufficientQuota429 => OpenAIError.InsufficientQuota(),
        FakeFailure.SpendLimit400 => OpenAIError.BillingHardLimit(),
        FakeFailure.ServerError500 => OpenAIError.ServerError(),
        FakeFailure.BadRequest400 => OpenAIError.Invalid("Injected bad request (fake).", code: "invalid_request"),
        _ => null,
    };

    /// <summary>Answers the billed failures that replace the response (abort, 502, 408); true when it did.</summary>
    public static async Task<bool> TryWriteReplacedAsync(HttpContext context, FakeFailure failure, CancellationToken ct)
    {
        switch (failure)
        {
            case FakeFailure.AbortBeforeResponse:
                context.Abort();
                return true;
            case FakeFailure.BadGateway502:
                await WriteTextAsync(context.Response, StatusCodes.Status502BadGateway, "text/html", BadGatewayHtml, ct).ConfigureAwait(false);
                return true;
            case FakeFailure.Timeout408:
                await WriteTextAsync(context.Response, StatusCodes.Status408RequestTimeout, "text/plain", "stream timeout", ct).ConfigureAwait(false);
                return true;
            default:
                return false;
        }
    }

    /// <summary>A billed JSON answer: replaced by the failure, or written (half of it when cut).</summary>
    public static async Task FinishJsonAsync(HttpContext context, FakeFailure failure, byte[] json, CancellationToken ct)
    {
        if (await TryWriteReplacedAsync(context, failure, ct).ConfigureAwait(false))
        {
            return;
        }

        var cut = failure == FakeFailure.CutStreamMidway;
        await WriteJsonAsync(context.Response, json, cut, ct).ConfigureAwait(false);
        if (cut)
        {
            await AbortAfterGraceAsync(context, ct).ConfigureAwait(false);
        }
    }

    public static async Task WriteJsonAsync(HttpResponse response, byte[] json, bool cut, CancellationToken ct)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = json.Length;
        await response.Body.WriteAsync(cut ? json.AsMemory(0, json.Length / 2) : json, ct).ConfigureAwait(false);
        await response.Body.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Abort drops output not yet on the wire: give the client time to receive what was written.</summary>
    public static async Task AbortAfterGraceAsync(HttpContext context, CancellationToken ct)
    {
        await Task.Delay(CutGrace, ct).ConfigureAwait(false);
        context.Abort();
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
