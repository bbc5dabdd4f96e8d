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

local function log(ts, leaseId, poolsJson, provider, model, inputTokens, cachedTokens, outputTokens, cost, reserved, outcome)
  redis.call('XADD', logKey, 'MAXLEN', logMaxEntries, '*',
    'ts', ts, 'at', int(now), 'lease', leaseId, 'pools', poolsJson, 'provider', provider, 'model', model,
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
  local l = redis.call('HMGET', lk, 'state', 'amount', 'pools', 'model', 'expires', 'provider')
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
  log(l[5], id, l[3], l[6] or '', l[4] or '', '0', '0', '0', l[2], l[2], OUTCOME_LEASE_EXPIRED)
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

-- The lease operations, shared by their own scripts (one operation) and by batch.lua (a batch of them). Each reads
-- its arguments from a[o], a[o + 1], ... up to a[last], validates them against the stored state and only then
-- writes, so that an operation refused or failed before its writes changes nothing.

-- Reserves an amount from every pool, or from none. a[o]: lease id; a[o+1]: amount; a[o+2]: lease duration in
-- micro-seconds; a[o+3]: model ('' when unknown); a[o+4]: '1' to count a refusal; a[o+5]: provider ('' when unknown);
-- then pairs of pool key and seed
-- limit up to a[last]. Returns { granted, existed, pool index (1-based), limit, spent, reserved, refused }.
local function reserveLease(a, o, last)
  local id, amount, duration, model, countRefusal, provider = a[o], a[o + 1], tonumber(a[o + 2]), a[o + 3], a[o + 4], a[o + 5]
  local keys = {}
  for i = o + 6, last, 2 do
    local key = a[i]
    ensurePool(key, a[i + 1])
    keys[#keys + 1] = key
  end

  local lk = leaseHash(id)
  local existing = redis.call('HGET', lk, 'state')
  if existing then
    -- A retried reservation (the reply was lost, or the caller retried) reserves once.
    local s = state(keys[1])
    return { existing == 'a' and 1 or 0, 1, 1, s[2], s[3], s[4], s[5] }
  end

  for i, key in ipairs(keys) do
    local v = redis.call('HMGET', poolHash(key), 'limit', 'spent', 'reserved')
    if not fits(v[1], v[2], v[3], amount) then
      if countRefusal == '1' then
        redis.call('HINCRBY', poolHash(key), 'refused', 1)
      end
      local s = state(key)
      return { 0, 0, i, s[2], s[3], s[4], s[5] }
    end
  end

  for _, key in ipairs(keys) do
    redis.call('HINCRBY', poolHash(key), 'reserved', amount)
  end

  local expires = int(now + duration)
  redis.call('HSET', lk, 'state', 'a', 'amount', amount, 'pools', cjson.encode(keys), 'model', model, 'provider', provider, 'expires', expires)
  redis.call('ZADD', expiriesKey, expires, id)
  local s = state(keys[1])
  return { 1, 0, 1, s[2], s[3], s[4], s[5] }
end

-- Settles a lease at its actual cost (0 for a release) and records it in the spend log. a[o]: lease id;
-- a[o+1]: actual cost; a[o+2]: model ('' to keep the lease's); a[o+3..o+5]: input, cached input and output tokens;
-- a[o+6]: outcome code. Returns { status, { key, limit, spent, reserved, refused }... } with SettlementStatus codes.
local function settleLease(a, o)
  local id, actual = a[o], a[o + 1]
  local lk = leaseHash(id)
  local l = redis.call('HMGET', lk, 'state', 'amount', 'pools', 'model', 'epochs', 'provider')
  if not l[1] then return { 3 } end
  if l[1] == 's' then return { 2 } end

  local pools = cjson.decode(l[3])
  local charged = actual
  local status = 0
  if l[1] == 'a' then
    for _, p in ipairs(pools) do
      local h = poolHash(p)
      redis.call('HINCRBY', h, 'reserved', negate(l[2]))
      redis.call('HINCRBY', h, 'spent', actual)
    end
    redis.call('ZREM', expiriesKey, id)
  else
    -- Expired: the expiry charged the full amount. Refund down to (or charge up to) the actual cost, unless the pool
    -- was reset since: the reset wiped that charge and the call belongs to the period before it, so nothing changes
    -- (and spent + reserved <= limit keeps holding in the reset pool).
    local epochs = cjson.decode(l[5])
    for i, p in ipairs(pools) do
      local h = poolHash(p)
      local delta = '0'
      if (redis.call('HGET', h, 'epoch') or '0') == epochs[i] then
        delta = int(tonumber(actual) - tonumber(l[2]))
        redis.call('HINCRBY', h, 'spent', delta)
      end
      charged = delta
    end
    status = 1
  end

  redis.call('HSET', lk, 'state', 's')
  redis.call('PEXPIRE', lk, keepMs)
  local model = a[o + 2]
  if model == '' then model = l[4] or '' end
  log(int(now), id, l[3], l[6] or '', model, a[o + 3], a[o + 4], a[o + 5], charged, l[2], a[o + 6])

  local result = { status }
  for _, p in ipairs(pools) do
    result[#result + 1] = state(p)
  end
  return result
end

-- Moves an active lease's expiry. a[o]: lease id; a[o+1]: lease duration in micro-seconds. Returns 1 when extended.
local function extendLease(a, o)
  local id = a[o]
  local lk = leaseHash(id)
  if redis.call('HGET', lk, 'state') ~= 'a' then return 0 end
  local expires = int(now + tonumber(a[o + 1]))
  redis.call('HSET', lk, 'expires', expires)
  redis.call('ZADD', expiriesKey, expires, id)
  return 1
end
