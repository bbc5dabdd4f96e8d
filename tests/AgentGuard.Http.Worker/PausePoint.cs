namespace AgentGuard.Http.Worker;

/// <summary>Where a worker announces itself and pauses, so that the test can kill it exactly there.</summary>
internal enum PausePoint
{
    None,

    /// <summary>The guard has reserved; the request has not left the process.</summary>
    AfterReserve,

    /// <summary>The request is at the server, which holds it.</summary>
    InRequest,

    /// <summary>The guard has committed the actual cost; the caller has not seen the response.</summary>
    AfterCommit,
}

/// <summary>
/// Placed inside the guard (<see cref="PausePoint.AfterReserve"/>) or outside it (<see cref="PausePoint.AfterCommit"/>):
/// on the chosen calls it prints <c>POINT name</c> and waits to be killed.
/// </summary>
internal sealed class PauseHandler(PausePoint point, PausePoint chosen, Func<bool> isChosenCall) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (point == PausePoint.AfterReserve)
        {
            await PauseIfChosenAsync(cancellationToken);
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (point == PausePoint.AfterCommit)
        {
            await PauseIfChosenAsync(cancellationToken);
        }

        return response;
    }

    private async Task PauseIfChosenAsync(CancellationToken cancellationToken)
    {
        // In-request kills need no pause here: the server holds the request while the test kills the worker.
        bool here = point == chosen || (chosen == PausePoint.InRequest && point == PausePoint.AfterReserve);
        if (here && isChosenCall())
        {
            Output.Line($"POINT {chosen}");
            if (chosen != PausePoint.InRequest)
            {
                await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
            }
        }
    }
}

/// <summary>Lines the test reads; flushed at once.</summary>
internal static class Output
{
    private static readonly Lock s_lock = new();

    public static void Line(string text)
    {
        lock (s_lock)
        {
            Console.Out.WriteLine(text);
            Console.Out.Flush();
        }
    }
}
