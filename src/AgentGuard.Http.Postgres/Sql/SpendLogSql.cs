namespace AgentGuard.Http.Postgres.Sql;

/// <summary>Reading the spend log.</summary>
internal static class SpendLogSql
{
    /// <summary>
    /// The newest $4 entries charged to a pool whose key starts with $1 (null: any), at or after $2 and before $3
    /// (null: unbounded), newest first (the ledger returns them oldest first).
    /// </summary>
    public const string Read = """
        SELECT at, lease_id, pools, model, input_tokens, cached_input_tokens, output_tokens, cost_micros, reserved_micros, outcome, provider
        FROM {S}.spend_log s
        WHERE ($1::text IS NULL OR EXISTS (SELECT 1 FROM unnest(s.pools) AS k(key) WHERE starts_with(k.key, $1::text)))
          AND ($2::timestamptz IS NULL OR s.at >= $2::timestamptz)
          AND ($3::timestamptz IS NULL OR s.at < $3::timestamptz)
        ORDER BY s.id DESC
        LIMIT $4
        """;
}
