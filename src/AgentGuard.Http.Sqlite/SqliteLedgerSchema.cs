namespace AgentGuard.Http.Sqlite;

/// <summary>
/// The ledger's tables, created on first use. Money is whole micro-dollars and times are Unix milliseconds, both in
/// SQLite INTEGERs (64-bit). Lease states: 0 active, 1 expired (charged in full), 2 settled. Spend outcomes are the
/// values of <see cref="SpendOutcome"/>.
/// </summary>
internal static class SqliteLedgerSchema
{
    /// <summary>
    /// The version this code writes (<c>PRAGMA user_version</c>): a newer file is refused rather than misread, an older
    /// one is upgraded in place (<see cref="Upgrades"/>). 2 added the provider of leases and spend log entries.
    /// </summary>
    public const int Version = 2;

    /// <summary>What takes a file of version <c>n</c> (the index) to <c>n + 1</c>; a new file is created whole instead.</summary>
    public static readonly string[] Upgrades =
    [
        "", // 0 is a file without tables: Create makes the current version.
        """
        ALTER TABLE leases ADD COLUMN provider TEXT;
        ALTER TABLE spend_log ADD COLUMN provider TEXT;
        """,
    ];

    public const string Create = """
        CREATE TABLE IF NOT EXISTS pools (
            key TEXT NOT NULL PRIMARY KEY,
            limit_micros INTEGER NOT NULL,
            spent_micros INTEGER NOT NULL DEFAULT 0,
            reserved_micros INTEGER NOT NULL DEFAULT 0,
            refused_calls INTEGER NOT NULL DEFAULT 0,
            epoch INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS leases (
            id TEXT NOT NULL PRIMARY KEY,
            amount_micros INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            state INTEGER NOT NULL DEFAULT 0,
            model TEXT,
            provider TEXT,
            finished_at INTEGER
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS leases_active_by_expiry ON leases (expires_at) WHERE state = 0;
        CREATE INDEX IF NOT EXISTS leases_finished_by_time ON leases (finished_at) WHERE state <> 0;

        -- The pools of a lease in the order the reservation named them, and each pool's epoch when the lease expired:
        -- a pool reset since then has already wiped the expiry's charge.
        CREATE TABLE IF NOT EXISTS lease_pools (
            lease_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            pool_key TEXT NOT NULL,
            expired_epoch INTEGER,
            PRIMARY KEY (lease_id, position)
        ) WITHOUT ROWID;
        CREATE TRIGGER IF NOT EXISTS leases_forget_pools AFTER DELETE ON leases
        BEGIN
            DELETE FROM lease_pools WHERE lease_id = old.id;
        END;

        CREATE TABLE IF NOT EXISTS warning_claims (
            pool_key TEXT NOT NULL,
            threshold TEXT NOT NULL,
            PRIMARY KEY (pool_key, threshold)
        ) WITHOUT ROWID;

        CREATE TABLE IF NOT EXISTS spend_log (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            lease_id TEXT NOT NULL,
            model TEXT,
            input_tokens INTEGER NOT NULL,
            cached_input_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            cost_micros INTEGER NOT NULL,
            reserved_micros INTEGER NOT NULL,
            outcome INTEGER NOT NULL,
            provider TEXT
        );
        CREATE INDEX IF NOT EXISTS spend_log_by_time ON spend_log (at);
        CREATE TABLE IF NOT EXISTS spend_log_pools (
            entry_id INTEGER NOT NULL,
            position INTEGER NOT NULL,
            pool_key TEXT NOT NULL,
            PRIMARY KEY (entry_id, position)
        ) WITHOUT ROWID;
        CREATE TRIGGER IF NOT EXISTS spend_log_forget_pools AFTER DELETE ON spend_log
        BEGIN
            DELETE FROM spend_log_pools WHERE entry_id = old.id;
        END;
        """;
}
