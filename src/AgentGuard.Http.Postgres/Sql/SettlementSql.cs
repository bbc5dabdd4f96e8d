namespace AgentGuard.Http.Postgres.Sql;

/// <summary>Settlements and heartbeats.</summary>
internal static class SettlementSql
{
    /// <summary>Locks the lease $1 (the first lock a settlement takes, before its pools).</summary>
    public const string LockLease = """
        SELECT state FROM {S}.leases WHERE lease_id = $1 FOR UPDATE
        """;

    /// <summary>
    /// Settles the lease $1 at the cost $2 (zero for a release) in one statement: the lease row is locked first
    /// (conditioned on the state it was read in, so that a concurrent expiry makes this statement a no-op that the
    /// ledger retries), then its pools in key order. An active lease moves its reservation to spent at the cost; an
    /// expired one, already charged in full, adjusts spent by cost minus amount, or by the cost in a pool reset
    /// since the expiry (its epoch moved). The spend log records what was added to spent.
    /// Parameters: $1 lease id, $2 cost, $3 model (null: the lease's), $4 input tokens, $5 cached input tokens,
    /// $6 output tokens, $7 outcome, $8 look for due leases, $9 max entries, $10 max age, $11 lease retention.
    /// Returns the lease's state as read (no row: unknown), due, settled, and the pools after, in the lease's order.
    /// </summary>
    public static readonly string Settle = $$"""
        WITH l AS (
            SELECT lease_id, pools, amount_micros, model, provider, state, expired_epochs FROM {S}.leases WHERE lease_id = $1),
        due AS (
            SELECT $8 AND EXISTS (SELECT 1 FROM {S}.leases d, l WHERE {{Columns.Due}} AND d.pools && l.pools) AS found),
        fin AS (
            UPDATE {S}.leases f SET state = 2, finished_at = now()
            FROM l WHERE f.lease_id = l.lease_id AND f.state = l.state AND l.state IN (0, 1) AND NOT (SELECT found FROM due)
            RETURNING f.lease_id),
        locked AS (
            SELECT key, epoch FROM {S}.pools
            WHERE key IN (SELECT unnest(l.pools) FROM l) AND EXISTS (SELECT 1 FROM fin)
            ORDER BY key FOR UPDATE),
        deltas AS (
            SELECT u.k AS key, u.i,
                   CASE WHEN l.state = 0 THEN -l.amount_micros ELSE 0 END AS reserved_delta,
                   CASE WHEN l.state = 0 THEN $2 WHEN lp.epoch <> l.expired_epochs[u.i::integer] THEN 0 ELSE $2 - l.amount_micros END AS spent_delta
            FROM l, unnest(l.pools) WITH ORDINALITY AS u(k, i) JOIN locked lp ON lp.key = u.k),
        applied AS (
            UPDATE {S}.pools p
            SET reserved_micros = p.reserved_micros + d.reserved_delta, spent_micros = p.spent_micros + d.spent_delta
            FROM deltas d WHERE p.key = d.key
            RETURNING d.i, p.key, p.limit_micros, p.spent_micros, p.reserved_micros, p.refused_calls),
        logged AS (
            INSERT INTO {S}.spend_log
                (at, lease_id, pools, provider, model, input_tokens, cached_input_tokens, output_tokens, cost_micros, reserved_micros, outcome)
            SELECT now(), l.lease_id, l.pools, l.provider, coalesce($3, l.model), $4, $5, $6,
                   coalesce((SELECT d.spent_delta FROM deltas d ORDER BY d.i DESC LIMIT 1), 0), l.amount_micros, $7
            FROM l, fin
            RETURNING id),
        {{Columns.Retention(9, 10, 11, "$1")}}
        SELECT l.state, (SELECT found FROM due), EXISTS (SELECT 1 FROM fin),
               a.key, a.limit_micros, a.spent_micros, a.reserved_micros, a.refused_calls
        FROM l LEFT JOIN applied a ON true
        ORDER BY a.i
        """;

    /// <summary>Moves the active lease $1's expiry to $2 (interval) from now; an expired or settled lease is not revived.</summary>
    public const string Extend = """
        UPDATE {S}.leases SET expires_at = now() + $2 WHERE lease_id = $1 AND state = 0 AND expires_at > now()
        """;
}
