-- Settles a lease at its actual cost (0 for a release) and records it in the spend log. ARGV[5]: lease id;
-- ARGV[6]: actual cost; ARGV[7]: model ('' to keep the lease's); ARGV[8..10]: input, cached input and output tokens;
-- ARGV[11]: outcome code. Returns { status, { key, limit, spent, reserved, refused }... } with SettlementStatus codes.
sweep(SWEEP_BATCH)
local id, actual = ARGV[5], ARGV[6]
local lk = leaseHash(id)
local l = redis.call('HMGET', lk, 'state', 'amount', 'pools', 'model', 'epochs')
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
local model = ARGV[7]
if model == '' then model = l[4] or '' end
log(int(now), id, l[3], model, ARGV[8], ARGV[9], ARGV[10], charged, l[2], ARGV[11])

local result = { status }
for _, p in ipairs(pools) do
  result[#result + 1] = state(p)
end
return result
