namespace AgentGuard.Http.Sqlite;

/// <summary>The defaults of <see cref="SqliteLedgerOptions"/>, each named once.</summary>
internal static class SqliteLedgerDefaults
{
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan FinishedLeaseRetention = TimeSpan.FromHours(1);

    // Connections kept open between operations: enough for the callers of a busy process, few enough to hold few files.
    public const int MaxIdleConnections = 16;

    // Forgotten leases are pruned once every this many settlements (and by every sweep), not on each one.
    public const int PruneEverySettlements = 1_000;
}
