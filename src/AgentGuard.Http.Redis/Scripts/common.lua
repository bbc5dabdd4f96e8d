-- Shared by every script of the ledger: prepended to each operation's body.
-- KEYS[1..3]: the budget's expiries (sorted set), spend log (stream) and pool registry (set), all under the
-- budget's hash tag. ARGV[1]: the budget's key base ('<prefix>{<budget>}:'); ARGV[2]: the most spend log entries
-- kept; ARGV[3]: the oldest spend log entry kept, in ms (0: no limit); ARGV[4]: how long a settled or expired lease
-- is remembered, in ms. The operation's own arguments start at ARGV[5].
-- Money is whole micro-dollars. Lua numbers are doubles, so amounts travel as decimal strings and are added by
-- HINCRBY (64-bit exact); the only comparison (spent + reserved + amount <= limit) is done exactly on split parts.
local expiriesKey, logKey, poolsKey = KEYS[1], KEYS[2], KEYS[3]
local base = ARGV[1]
local logMaxEntries = ARGV[2]
local logMaxAgeMs = tonumber(ARGV[3])
local keepMs = ARGV[4]

-- The store's clock judges leases: one reading per script, in micro-seconds (exact in a double).
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])

-- Integers as decimal strings: Redis would print a large Lua number in exponent notation.
local function int(x)
  return string.format('%d', x)
end

local function negate(s)
  if s == '0' then return s end
  if string.sub(s, 1, 1) == '-' then return string.sub(s, 2) end
  return '-' .. s
end

-- A 64-bit decimal string as two exact doubles: high and low parts in base 1e9.
local E9 = 1000000000
local function split(s)
  local sign = 1
  if string.sub(s, 1, 1) == '-' then
    sign = -1
    s = string.sub(s, 2)
  end
  local n = #s
  if n <= 9 then return 0, sign * tonumber(s) end
  return sign * tonumber(string.sub(s, 1, n - 9)), sign * tonumber(string.sub(s, n - 8))
end

-- Whether a + b + c <= limit, exactly, for 64-bit integers given as decimal strings.
local function fits(limit, a, b, c)
  local h1, l1 = split(a)
  local h2, l2 = split(b)
  local h3, l3 = split(c)
  local lo = l1 + l2 + l3
  local hi = h1 + h2 + h3 + math.floor(lo / E9)
  lo = lo % E9
  local hl, ll = split(limit)
  hl = hl + math.floor(ll / E9)
  ll = ll % E9
  return hi < hl or (hi == hl and lo <= ll)
end

local function poolHash(key)
  return base .. 'pool:' .. key
end

local function leaseHash(id)
  return base .. 'lease:' .. id
end

-- Creates a pool with its seed limit when it does not exist; afterwards the stored limit wins.
local function ensurePool(key, seedLimit)
  local h = poolHash(key)
  if redis.call('EXISTS', h) == 0 then
    redis.call('HSET', h, 'limit', seedLimit, 'spent', '0', 'reserved', '0', 'refused', '0', 'epoch', '0')
    redis.call('SADD', poolsKey, key)
  end
  return h
end

-- { key, limit, spent, reserved, refused }, amounts as strings.
local function state(key)
  local v = redis.call('HMGET', poolHash(key), 'limit', 'spent', 'reserved', 'refused')
  return { key, v[1], v[2], v[3], v[4] }
end

local function log(ts, leaseId, poolsJson, model, inputTokens, cachedTokens, outputTokens, cost, reserved, outcome)
  redis.call('XADD', logKey, 'MAXLEN', logMaxEntries, '*',
    'ts', ts, 'at', int(now), 'lease', leaseId, 'pools', poolsJson, 'model', model,
    'in', inputTokens, 'cached', cachedTokens, 'out', outputTokens,
    'cost', cost, 'reserved', reserved, 'outcome', outcome)
  if logMaxAgeMs > 0 then
    redis.call('XTRIM', logKey, 'MINID', int(math.floor(now / 1000) - logMaxAgeMs))
  end
end

-- Outcome codes: SpendOutcome's values.
local OUTCOME_LEASE_EXPIRED = '3'

-- An expired lease is charged its full amount (never released): reserved -= amount, spent += amount, in every pool,
-- remembering each pool's epoch so that a late settlement knows whether a reset wiped that charge since.
local function expire(id)
  local lk = leaseHash(id)
  local l = redis.call('HMGET', lk, 'state', 'amount', 'pools', 'model', 'expires')
  redis.call('ZREM', expiriesKey, id)
  if l[1] ~= 'a' then return 0 end
  local pools = cjson.decode(l[3])
  local epochs = {}
  for i, p in ipairs(pools) do
    local h = poolHash(p)
    redis.call('HINCRBY', h, 'reserved', negate(l[2]))
    redis.call('HINCRBY', h, 'spent', l[2])
    epochs[i] = redis.call('HGET', h, 'epoch') or '0'
  end
  redis.call('HSET', lk, 'state', 'e', 'epochs', cjson.encode(epochs))
  redis.call('PEXPIRE', lk, keepMs)
  log(l[5], id, l[3], l[4] or '', '0', '0', '0', l[2], l[2], OUTCOME_LEASE_EXPIRED)
  return 1
end

-- Applies expiry to the budget's leases that are due by the store's clock, at most `limit` of them: every script
-- starts with it, so no background job is needed.
local function sweep(limit)
  local due = redis.call('ZRANGEBYSCORE', expiriesKey, '-inf', int(now), 'LIMIT', 0, limit)
  local expired = 0
  for _, id in ipairs(due) do
    expired = expired + expire(id)
  end
  return expired, #due
end

local SWEEP_BATCH = 500
