namespace AgentGuard.Cli;

/// <summary>What the tool's exit code means, for scripts.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Ok = 0;

    /// <summary>Refused or over: a pool is exhausted (status), the estimate does not fit (estimate), the user declined (reset).</summary>
    public const int Refused = 1;

    /// <summary>Bad usage, bad input, or a ledger that cannot be reached: nothing was changed.</summary>
    public const int Usage = 2;
}
