namespace AgentGuard.Http.Postgres.Sql;

/// <summary>Column lists and predicates that several statements share (kept in one place so that readers agree).</summary>
internal static class Columns
{
    /// <summary>A pool's state, read by <see cref="Rows.Pool"/> in this order.</summary>
    public const string Pool = "key, limit_micros, spent_micros, reserved_micros, refused_calls";

    /// <summary>An active lease whose expiry has passed by the database's clock, not yet charged (alias <c>d</c>).</summary>
    public const string Due = "d.state = 0 AND d.expires_at <= now()";

    /// <summary>
    /// The spend log's retention, applied by every statement that writes to it through a CTE named <c>logged</c>
    /// (<c>RETURNING id</c>). Cheap by construction: the entries beyond MaxEntries are found by id arithmetic from
    /// the new ids (a short index range), and every 16th id also deletes a bounded batch of entries older than
    /// MaxAge and of leases finished longer ago than the lease retention. Sweeps trim without bounds. Rows are taken
    /// with SKIP LOCKED: these statements hold pool rows, and a transaction that holds pool rows never waits for
    /// another row (a row locked elsewhere is being deleted or settled there).
    /// Parameters: {E} max entries (integer), {A} max age (interval, null for none), {M} lease retention
    /// (interval), {L} the lease being settled (never forgotten by its own statement) or null.
    /// </summary>
    public static string Retention(int maxEntries, int maxAge, int leaseRetention, string exceptLease) => $$"""
        newest AS (
            SELECT max(id) AS id FROM logged),
        trimmed AS (
            DELETE FROM {S}.spend_log s WHERE s.id IN (
                SELECT o.id FROM {S}.spend_log o, newest
                WHERE o.id > newest.id - ${{maxEntries}}::bigint - 64 AND o.id <= newest.id - ${{maxEntries}}::bigint
                FOR UPDATE OF o SKIP LOCKED)),
        aged AS (
            DELETE FROM {S}.spend_log s WHERE s.id IN (
                SELECT o.id FROM {S}.spend_log o, newest
                WHERE newest.id % 16 = 0 AND o.at < now() - ${{maxAge}}::interval
                ORDER BY o.at LIMIT 256
                FOR UPDATE OF o SKIP LOCKED)),
        forgotten AS (
            DELETE FROM {S}.leases f WHERE f.lease_id IN (
                SELECT o.lease_id FROM {S}.leases o, newest
                WHERE newest.id % 16 = 0 AND o.state IN (1, 2) AND o.finished_at < now() - ${{leaseRetention}}::interval
                  AND o.lease_id IS DISTINCT FROM {{exceptLease}}
                ORDER BY o.finished_at LIMIT 256
                FOR UPDATE OF o SKIP LOCKED))
        """;
}
