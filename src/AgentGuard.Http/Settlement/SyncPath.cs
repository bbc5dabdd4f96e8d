namespace AgentGuard.Http.Settlement;

/// <summary>
/// Completes the synchronous path of code written once for both paths (the <c>async: false</c> convention):
/// with <c>async: false</c> every operation completes synchronously, so nothing here ever blocks on async code.
/// </summary>
internal static class SyncPath
{
    public static void Complete(ValueTask operation)
    {
        if (!operation.IsCompleted)
        {
            throw new InvalidOperationException("The synchronous path went asynchronous.");
        }

        operation.GetAwaiter().GetResult();
    }

    public static T Complete<T>(ValueTask<T> operation) =>
        operation.IsCompleted ? operation.GetAwaiter().GetResult() : throw new InvalidOperationException("The synchronous path went asynchronous.");
}
