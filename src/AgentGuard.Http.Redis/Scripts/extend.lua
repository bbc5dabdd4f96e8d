-- Moves an active lease's expiry. ARGV[5]: lease id; ARGV[6]: lease duration in micro-seconds. Returns 1 when extended.
sweep(SWEEP_BATCH)
local id = ARGV[5]
local lk = leaseHash(id)
if redis.call('HGET', lk, 'state') ~= 'a' then return 0 end
local expires = int(now + tonumber(ARGV[6]))
redis.call('HSET', lk, 'expires', expires)
redis.call('ZADD', expiriesKey, expires, id)
return 1
