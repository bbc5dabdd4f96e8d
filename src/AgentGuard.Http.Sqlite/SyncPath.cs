namespace AgentGuard.Http.Sqlite;

/// <summary>
/// Completes the synchronous path of code written once for both paths (the <c>async: false</c> convention): with
/// <c>async: false</c> every database call is a synchronous ADO.NET call, so nothing here ever blocks on async code.
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
