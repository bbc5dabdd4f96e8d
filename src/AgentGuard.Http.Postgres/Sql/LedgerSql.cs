namespace AgentGuard.Http.Postgres.Sql;

/// <summary>
/// The ledger's statements for one schema. The templates write the schema as <c>{S}</c>; it is replaced here once,
/// by the quoted identifier, so that no statement is ever built from a caller's value.
/// </summary>
internal sealed class LedgerSql(string schema)
{
    /// <summary>The schema as a quoted identifier.</summary>
    public string Schema { get; } = Quote(schema);

    public string MarkDueOfKeysAndLockWithSeeds { get; } = Qualify(ExpirySql.MarkDueOfKeysAndLockWithSeeds, schema);

    public string MarkDueOfKeysAndLock { get; } = Qualify(ExpirySql.MarkDueOfKeysAndLock, schema);

    public string MarkDueOfLeaseAndLock { get; } = Qualify(ExpirySql.MarkDueOfLeaseAndLock, schema);

    public string MarkDueOfPrefixAndLock { get; } = Qualify(ExpirySql.MarkDueOfPrefixAndLock, schema);

    public string MarkAllDueAndLock { get; } = Qualify(ExpirySql.MarkAllDueAndLock, schema);

    public string ChargeMarked { get; } = Qualify(ExpirySql.ChargeMarked, schema);

    public string TrimSpendLog { get; } = Qualify(ExpirySql.TrimSpendLog, schema);

    public string ForgetFinishedLeases { get; } = Qualify(ExpirySql.ForgetFinishedLeases, schema);

    public string ReserveOnePool { get; } = Qualify(ReservationSql.ReserveOnePool, schema);

    public string CountRefusal { get; } = Qualify(ReservationSql.CountRefusal, schema);

    public string ReserveSeveralPools { get; } = Qualify(ReservationSql.ReserveSeveralPools, schema);

    public string LockLease { get; } = Qualify(SettlementSql.LockLease, schema);

    public string Settle { get; } = Qualify(SettlementSql.Settle, schema);

    public string Extend { get; } = Qualify(SettlementSql.Extend, schema);

    public string LockLeases { get; } = Qualify(BatchSql.LockLeases, schema);

    public string LockPools { get; } = Qualify(BatchSql.LockPools, schema);

    public string ExtendReturning { get; } = Qualify(BatchSql.Extend, schema);

    public string State { get; } = Qualify(PoolSql.State, schema);

    public string StateWithDue { get; } = Qualify(PoolSql.StateWithDue, schema);

    public string Reset { get; } = Qualify(PoolSql.Reset, schema);

    public string ClaimWarning { get; } = Qualify(PoolSql.ClaimWarning, schema);

    public string SetLimit { get; } = Qualify(PoolSql.SetLimit, schema);

    public string ListPools { get; } = Qualify(PoolSql.ListPools, schema);

    public string ReadSpendLog { get; } = Qualify(SpendLogSql.Read, schema);

    /// <summary>A PostgreSQL quoted identifier (double quotes, inner quotes doubled).</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Qualify(string template, string schema) => template.Replace("{S}", Quote(schema), StringComparison.Ordinal);
}
