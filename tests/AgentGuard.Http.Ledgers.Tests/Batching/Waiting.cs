namespace AgentGuard.Http.Ledgers.Tests.Batching;

/// <summary>Waits for a condition that other threads make true (operations queued behind a held batch, for instance).</summary>
internal static class Waiting
{
    // A guard against a hang, not a measure: nothing asserts how long it took.
    private static readonly TimeSpan s_hangGuard = TimeSpan.FromSeconds(60);

    public static async Task UntilAsync(Func<bool> condition, Func<string> describe)
    {
        var stop = DateTime.UtcNow + s_hangGuard;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < stop, $"Never came true: {describe()}");
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }
    }

    public static void Until(Func<bool> condition, Func<string> describe) =>
        Assert.True(SpinWait.SpinUntil(condition, s_hangGuard), $"Never came true: {describe()}");
}
