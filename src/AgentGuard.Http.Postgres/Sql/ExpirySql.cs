namespace AgentGuard.Http.Postgres.Sql;

/// <summary>
/// Expiry, applied by the operations themselves: an operation that finds due leases on its pools runs, in one
/// transaction, a statement that marks them and locks every pool it will write in key order, a statement that
/// charges them in full, and then its own statement.
/// <para>
/// Lock order, which keeps every path free of deadlocks: a transaction that waits for a pool row either holds no
/// other row or acquires all of its pool rows in one statement in key order (holding at most leases it took without
/// waiting, or the one lease it settles); a transaction that holds pool rows never waits for a lease or spend log
/// row (it takes them with SKIP LOCKED: a row locked elsewhere is being settled, extended, expired or deleted
/// there). Settlements lock their lease first, then its pools in key order. No transaction spans a round trip, so a
/// client that dies never leaves a row locked.
/// </para>
/// </summary>
internal static class ExpirySql
{
    /// <summary>
    /// Marks the due leases of the pools $1 (text[]) as being expired (state 3) and locks, in key order, those pools
    /// (creating the missing ones with the seed limits $2, bigint[]) with every pool of the marked leases.
    /// </summary>
    public static readonly string MarkDueOfKeysAndLockWithSeeds = MarkDueAndLock(
        "d.pools && $1::text[]",
        "SELECT own.k, own.seed FROM unnest($1::text[], $2::bigint[]) AS own(k, seed)");

    /// <summary>Marks the due leases of the pools $1 (text[]) and locks every pool of them in key order.</summary>
    public static readonly string MarkDueOfKeysAndLock = MarkDueAndLock("d.pools && $1::text[]", own: null);

    /// <summary>Marks the due leases sharing a pool with the lease $1 and locks the lease's pools and theirs in key order.</summary>
    public static readonly string MarkDueOfLeaseAndLock = MarkDueAndLock(
        "d.pools && (SELECT ol.pools FROM {S}.leases ol WHERE ol.lease_id = $1)",
        "SELECT lk.k, 0::bigint FROM {S}.leases ol, unnest(ol.pools) AS lk(k) WHERE ol.lease_id = $1");

    /// <summary>Marks the due leases with a pool whose key starts with $1 (text, null for every pool) and locks their pools.</summary>
    public static readonly string MarkDueOfPrefixAndLock = MarkDueAndLock(
        "($1::text IS NULL OR EXISTS (SELECT 1 FROM unnest(d.pools) AS dk(k) WHERE starts_with(dk.k, $1::text)))", own: null);

    /// <summary>Marks every due lease and locks their pools.</summary>
    public static readonly string MarkAllDueAndLock = MarkDueAndLock("true", own: null);

    /// <summary>
    /// Charges the leases this transaction marked: each pool's reservation moves to spent in full, the lease remembers
    /// the pools' epochs (a later reset wipes that charge) and the spend log records it at the lease's expiry.
    /// Parameters: $1 max entries, $2 max age, $3 lease retention. Returns how many leases expired.
    /// </summary>
    public static readonly string ChargeMarked = $$"""
        WITH expired AS (
            UPDATE {S}.leases l
            SET state = 1, finished_at = l.expires_at,
                expired_epochs = ARRAY(
                    SELECT p.epoch FROM unnest(l.pools) WITH ORDINALITY AS u(k, i) JOIN {S}.pools p ON p.key = u.k
                    ORDER BY u.i)
            WHERE l.state = 3 AND l.expires_at <= now()
            RETURNING l.lease_id, l.pools, l.amount_micros, l.model, l.provider, l.expires_at),
        charges AS (
            SELECT u.k AS key, sum(e.amount_micros)::bigint AS amount
            FROM expired e, unnest(e.pools) AS u(k)
            GROUP BY u.k),
        charged AS (
            UPDATE {S}.pools p
            SET spent_micros = p.spent_micros + c.amount, reserved_micros = p.reserved_micros - c.amount
            FROM charges c WHERE p.key = c.key),
        logged AS (
            INSERT INTO {S}.spend_log (at, lease_id, pools, provider, model, cost_micros, reserved_micros, outcome)
            SELECT e.expires_at, e.lease_id, e.pools, e.provider, e.model, e.amount_micros, e.amount_micros, 3
            FROM expired e ORDER BY e.expires_at, e.lease_id
            RETURNING id),
        {{Columns.Retention(1, 2, 3, "NULL")}}
        SELECT count(*)::integer FROM expired
        """;

    /// <summary>The spend log's retention without bounds (sweeps): $1 max entries, $2 max age. Skips rows being deleted elsewhere.</summary>
    public const string TrimSpendLog = """
        DELETE FROM {S}.spend_log s WHERE s.id IN (
            SELECT o.id FROM {S}.spend_log o
            WHERE o.id <= (SELECT max(id) FROM {S}.spend_log) - $1::bigint OR o.at < now() - $2::interval
            FOR UPDATE OF o SKIP LOCKED)
        """;

    /// <summary>Forgets every lease finished longer ago than $1 (sweeps), but for those locked by a settlement in progress.</summary>
    public const string ForgetFinishedLeases = """
        DELETE FROM {S}.leases f WHERE f.lease_id IN (
            SELECT o.lease_id FROM {S}.leases o
            WHERE o.state IN (1, 2) AND o.finished_at < now() - $1::interval
            FOR UPDATE OF o SKIP LOCKED)
        """;

    private static string MarkDueAndLock(string dueFilter, string? own) => $$"""
        WITH due AS (
            SELECT d.lease_id FROM {S}.leases d
            WHERE {{Columns.Due}} AND {{dueFilter}}
            FOR UPDATE SKIP LOCKED),
        marked AS (
            UPDATE {S}.leases l SET state = 3 FROM due WHERE l.lease_id = due.lease_id
            RETURNING l.pools),
        wanted AS (
            SELECT w.k, max(w.seed) AS seed FROM (
                {{(own is null ? "" : own + " UNION ALL")}}
                SELECT mk.k, 0::bigint FROM marked, unnest(marked.pools) AS mk(k)) AS w(k, seed)
            GROUP BY w.k)
        INSERT INTO {S}.pools AS p (key, limit_micros)
        SELECT wanted.k, wanted.seed FROM wanted ORDER BY wanted.k COLLATE "C"
        ON CONFLICT (key) DO UPDATE SET limit_micros = p.limit_micros WHERE false
        """;
}
