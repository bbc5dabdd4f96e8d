namespace AgentGuard.Http.Postgres.Sql;

/// <summary>Reading and administering pools.</summary>
internal static class PoolSql
{
    /// <summary>The pool $1 (no row when it does not exist).</summary>
    public const string State = $$"""
        SELECT {{Columns.Pool}} FROM {S}.pools WHERE key = $1
        """;

    /// <summary>The pool $1 and whether a due lease must be charged to it first.</summary>
    public const string StateWithDue = $$"""
        SELECT {{Columns.Pool}},
               EXISTS (SELECT 1 FROM {S}.leases d WHERE {{Columns.Due}} AND d.pools && ARRAY[$1::text]) AS due
        FROM {S}.pools WHERE key = $1
        """;

    /// <summary>
    /// Resets the pool $1: spent and refused calls to zero, a new epoch, no claimed warnings; reservations stay. Nothing happens when
    /// $2 (look for due leases) finds one, which must be charged to the old epoch first. Returns whether it did.
    /// </summary>
    public const string Reset = $$"""
        WITH due AS (
            SELECT $2 AND EXISTS (SELECT 1 FROM {S}.leases d WHERE {{Columns.Due}} AND d.pools && ARRAY[$1::text]) AS found),
        reset AS (
            UPDATE {S}.pools SET spent_micros = 0, refused_calls = 0, epoch = epoch + 1, warned = '{}'
            WHERE key = $1 AND NOT (SELECT found FROM due)
            RETURNING key)
        SELECT (SELECT found FROM due)
        """;

    /// <summary>Claims the threshold $2 (numeric) of the pool $1: one row affected for the one caller that claims it.</summary>
    public const string ClaimWarning = """
        UPDATE {S}.pools SET warned = array_append(warned, $2::numeric) WHERE key = $1 AND NOT ($2::numeric = ANY (warned))
        """;

    /// <summary>Sets the pool $1's limit to $2 (the pool exists: the statement before it created it) and returns it.</summary>
    public const string SetLimit = $$"""
        UPDATE {S}.pools SET limit_micros = $2 WHERE key = $1 RETURNING {{Columns.Pool}}
        """;

    /// <summary>The pools whose key starts with $1 (null: all), ordered by key.</summary>
    public const string ListPools = $$"""
        SELECT {{Columns.Pool}} FROM {S}.pools WHERE $1::text IS NULL OR starts_with(key, $1::text) ORDER BY key
        """;
}
