namespace AgentGuard.Http.Postgres.Sql;

/// <summary>
/// Group commit: the statements that open a batch's transaction. A batch runs its operations' own statements in one
/// transaction, one round trip, after these have taken every row lock the batch needs in the fixed order of every path
/// (see <see cref="ExpirySql"/>): first the leases it settles or extends, by lease id in one statement, then every pool
/// it writes (those its reservations name and those of the leases it settles), by key in one statement. Its own
/// statements then wait for no row, and the hot pool's lock is held across one commit, one WAL flush, for the batch.
/// The operations' parameters travel as arrays (one per field, not one per operation), far below PostgreSQL's 65,535.
/// </summary>
internal static class BatchSql
{
    /// <summary>Locks the leases $1 (text[]) in lease id order.</summary>
    public const string LockLeases = """
        SELECT lease_id FROM {S}.leases WHERE lease_id = ANY($1::text[]) ORDER BY lease_id FOR UPDATE
        """;

    /// <summary>Locks, in key order, the pools $1 (text[]) and those of the leases $2 (text[]).</summary>
    public const string LockPools = """
        SELECT key FROM {S}.pools
        WHERE key = ANY($1::text[] || ARRAY(SELECT unnest(l.pools) FROM {S}.leases l WHERE l.lease_id = ANY($2::text[])))
        ORDER BY key FOR UPDATE
        """;

    /// <summary>The heartbeat of <see cref="SettlementSql.Extend"/>, returning a row when it moved the expiry.</summary>
    public const string Extend = SettlementSql.Extend + " RETURNING lease_id";
}
