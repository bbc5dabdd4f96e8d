-- Reserves an amount from every pool, or from none. ARGV[5]: lease id; ARGV[6]: amount; ARGV[7]: lease duration in
-- micro-seconds; ARGV[8]: model ('' when unknown); ARGV[9]: '1' to count a refusal; then pairs of pool key and seed limit.
-- Returns { granted, existed, pool index (1-based), limit, spent, reserved, refused }.
sweep(SWEEP_BATCH)
local id, amount, duration, model, countRefusal = ARGV[5], ARGV[6], tonumber(ARGV[7]), ARGV[8], ARGV[9]
local keys = {}
for i = 10, #ARGV, 2 do
  local key = ARGV[i]
  ensurePool(key, ARGV[i + 1])
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
redis.call('HSET', lk, 'state', 'a', 'amount', amount, 'pools', cjson.encode(keys), 'model', model, 'expires', expires)
redis.call('ZADD', expiriesKey, expires, id)
local s = state(keys[1])
return { 1, 0, 1, s[2], s[3], s[4], s[5] }
