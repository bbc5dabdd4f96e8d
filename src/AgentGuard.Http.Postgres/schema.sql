-- The tables of AgentGuard.Http's PostgreSQL budget ledger (package AgentGuard.Http.Postgres).
--
-- The ledger runs this script itself on first use, in one transaction under an advisory lock, unless the three tables
-- exist already with their newest column. To create them ahead, so that the application's role needs no CREATE privilege:
--     psql -d DATABASE -v ON_ERROR_STOP=1 -1 -f schema.sql
-- For a schema other than the default, replace every "agentguard" written in double quotes with its name (the
-- ledger does exactly that with PostgresLedgerOptions.Schema). The script only creates what is missing.
--
-- Money is in whole micro-dollars (bigint). Keys compare byte-wise (COLLATE "C"): the order in which rows are locked.

CREATE SCHEMA IF NOT EXISTS "agentguard";

-- One row per budget pool: a budget, a scope of it, or a time window (the key says which).
CREATE TABLE IF NOT EXISTS "agentguard".pools (
    key             text COLLATE "C" PRIMARY KEY,
    limit_micros    bigint    NOT NULL CHECK (limit_micros >= 0),
    spent_micros    bigint    NOT NULL DEFAULT 0 CHECK (spent_micros >= 0),
    reserved_micros bigint    NOT NULL DEFAULT 0 CHECK (reserved_micros >= 0),
    refused_calls   bigint    NOT NULL DEFAULT 0,
    -- Bumped by every reset: a lease that expired before a reset was charged to spent that the reset wiped.
    epoch           bigint    NOT NULL DEFAULT 0,
    -- The warning thresholds (percent) claimed since the last reset.
    warned          numeric[] NOT NULL DEFAULT '{}'
);

-- One row per reservation. state: 0 active, 1 expired (charged in full), 2 settled, 3 only inside the transaction
-- that expires it. Settled and expired leases are kept for a while so that repeated and late settlements are exact.
CREATE TABLE IF NOT EXISTS "agentguard".leases (
    lease_id        text COLLATE "C" PRIMARY KEY,
    pools           text[] COLLATE "C" NOT NULL,
    amount_micros   bigint      NOT NULL CHECK (amount_micros >= 0),
    model           text,
    provider        text,
    state           smallint    NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 3),
    expires_at      timestamptz NOT NULL,
    -- The epoch of each pool (in the order of pools) when the lease expired.
    expired_epochs  bigint[],
    finished_at     timestamptz
);

-- Active leases by expiry: finding the due ones is one probe of this small index.
CREATE INDEX IF NOT EXISTS leases_due ON "agentguard".leases (expires_at) WHERE state IN (0, 3);

-- Finished leases by age: forgetting them is a bounded range delete.
CREATE INDEX IF NOT EXISTS leases_finished ON "agentguard".leases (finished_at) WHERE state IN (1, 2);

-- One row per settlement and per expiry. outcome: 0 settled from usage, 1 charged in full, 2 released, 3 lease
-- expired. cost_micros is what the entry added to the pools' spent amounts (negative for a late settlement that
-- refunds an expired lease).
CREATE TABLE IF NOT EXISTS "agentguard".spend_log (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at                  timestamptz NOT NULL,
    lease_id            text        NOT NULL,
    pools               text[] COLLATE "C" NOT NULL,
    provider            text,
    model               text,
    input_tokens        bigint      NOT NULL DEFAULT 0,
    cached_input_tokens bigint      NOT NULL DEFAULT 0,
    output_tokens       bigint      NOT NULL DEFAULT 0,
    cost_micros         bigint      NOT NULL,
    reserved_micros     bigint      NOT NULL,
    outcome             smallint    NOT NULL CHECK (outcome BETWEEN 0 AND 3)
);

CREATE INDEX IF NOT EXISTS spend_log_at ON "agentguard".spend_log (at);

-- The provider beside the model (added after the first release): upgrades tables an earlier version made. The ledger
-- runs this script again when the column is missing, which needs the privileges of the tables' owner; for a role
-- without them, run the script as the owner.
ALTER TABLE "agentguard".leases ADD COLUMN IF NOT EXISTS provider text;
ALTER TABLE "agentguard".spend_log ADD COLUMN IF NOT EXISTS provider text;
