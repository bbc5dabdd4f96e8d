namespace AgentGuard.Http.Postgres.Sql;

/// <summary>Reservations. Every statement reports what it found, so that the ledger can tell a refusal from a lease it
/// already knows, a pool that does not exist yet and due leases that must be charged first.</summary>
internal static class ReservationSql
{
    /// <summary>
    /// One pool, one statement: <c>UPDATE ... WHERE spent + reserved + amount &lt;= limit</c> is atomic for one row
    /// under READ COMMITTED (a concurrent updater waits for the row and re-evaluates the condition on its newest
    /// version). It reserves nothing when the lease is known or a due lease must be charged first. The lease is a
    /// plain INSERT: should a concurrent reservation with the same id win the race, the unique violation undoes the
    /// whole statement and the ledger looks at what exists.
    /// Parameters: $1 lease id, $2 pool key, $3 amount, $4 lease duration (interval), $5 model, $6 provider.
    /// Returns one row: known lease state (null when new), due, granted, then the pool (granted: after; otherwise as
    /// read; null when the pool does not exist).
    /// </summary>
    public const string ReserveOnePool = $$"""
        WITH known AS (
            SELECT state FROM {S}.leases WHERE lease_id = $1),
        due AS (
            SELECT EXISTS (SELECT 1 FROM {S}.leases d WHERE {{Columns.Due}} AND d.pools && ARRAY[$2::text]) AS found),
        granted AS (
            UPDATE {S}.pools SET reserved_micros = reserved_micros + $3
            WHERE key = $2 AND spent_micros + reserved_micros + $3 <= limit_micros
              AND NOT EXISTS (SELECT 1 FROM known) AND NOT (SELECT found FROM due)
            RETURNING {{Columns.Pool}}),
        lease AS (
            INSERT INTO {S}.leases (lease_id, pools, amount_micros, model, provider, expires_at)
            SELECT $1, ARRAY[$2::text], $3, $5, $6, now() + $4 FROM granted)
        SELECT (SELECT state FROM known), (SELECT found FROM due), g.key IS NOT NULL,
               coalesce(g.key, p.key), coalesce(g.limit_micros, p.limit_micros), coalesce(g.spent_micros, p.spent_micros),
               coalesce(g.reserved_micros, p.reserved_micros), coalesce(g.refused_calls, p.refused_calls)
        FROM (SELECT 1) AS one
        LEFT JOIN granted g ON true
        LEFT JOIN {S}.pools p ON p.key = $2
        """;

    /// <summary>Counts a refusal on the pool $1 and returns its state.</summary>
    public const string CountRefusal = $$"""
        UPDATE {S}.pools SET refused_calls = refused_calls + 1 WHERE key = $1 RETURNING {{Columns.Pool}}
        """;

    /// <summary>
    /// Several pools, one statement: the pools are locked with <c>SELECT ... ORDER BY key FOR UPDATE</c> (never an
    /// <c>UPDATE ... WHERE key = ANY(...)</c>, which locks in scan order and deadlocks against ordered lockers), then
    /// checked and reserved all or none; a refusal is counted on the first refusing pool in the request's order.
    /// Parameters: $1 lease id, $2 pool keys (text[], request order), $3 amount, $4 lease duration, $5 model,
    /// $6 count the refusal, $7 look for due leases (false once this transaction charged them), $8 provider.
    /// Returns one row: known lease state, due, granted, all pools exist, then the reported pool (granted: the first,
    /// after; refused: the refusing one; known: the first, as read).
    /// </summary>
    public const string ReserveSeveralPools = $$"""
        WITH known AS (
            SELECT state FROM {S}.leases WHERE lease_id = $1),
        due AS (
            SELECT $7 AND EXISTS (SELECT 1 FROM {S}.leases d WHERE {{Columns.Due}} AND d.pools && $2::text[]) AS found),
        locked AS (
            SELECT {{Columns.Pool}} FROM {S}.pools
            WHERE key = ANY($2::text[]) AND NOT EXISTS (SELECT 1 FROM known) AND NOT (SELECT found FROM due)
            ORDER BY key FOR UPDATE),
        verdict AS (
            SELECT count(*) = cardinality($2::text[]) AS complete,
                   (SELECT u.k FROM unnest($2::text[]) WITH ORDINALITY AS u(k, i) JOIN locked l ON l.key = u.k
                    WHERE l.spent_micros + l.reserved_micros + $3 > l.limit_micros
                    ORDER BY u.i LIMIT 1) AS refusing
            FROM locked),
        granted AS (
            UPDATE {S}.pools p SET reserved_micros = p.reserved_micros + $3
            FROM verdict v WHERE p.key = ANY($2::text[]) AND v.complete AND v.refusing IS NULL
            RETURNING p.key, p.limit_micros, p.spent_micros, p.reserved_micros, p.refused_calls),
        refused AS (
            UPDATE {S}.pools p SET refused_calls = p.refused_calls + 1
            FROM verdict v WHERE p.key = v.refusing AND v.complete AND $6
            RETURNING p.key, p.limit_micros, p.spent_micros, p.reserved_micros, p.refused_calls),
        lease AS (
            INSERT INTO {S}.leases (lease_id, pools, amount_micros, model, provider, expires_at)
            SELECT $1, $2::text[], $3, $5, $8, now() + $4 FROM verdict v WHERE v.complete AND v.refusing IS NULL),
        reported AS (
            SELECT * FROM granted WHERE key = ($2::text[])[1]
            UNION ALL
            SELECT * FROM refused
            UNION ALL
            SELECT l.* FROM locked l, verdict v WHERE NOT $6 AND l.key = v.refusing
            UNION ALL
            SELECT {{Columns.Pool}} FROM {S}.pools WHERE key = ($2::text[])[1] AND EXISTS (SELECT 1 FROM known))
        SELECT (SELECT state FROM known), (SELECT found FROM due), v.complete AND v.refusing IS NULL, v.complete, r.*
        FROM verdict v LEFT JOIN reported r ON true
        """;
}
