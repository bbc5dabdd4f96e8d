-- Zeroes a pool's spent amount and refused calls, starts a new epoch and clears its warning claims; reservations are kept.
-- ARGV[5]: pool key. Returns 1 when the pool exists.
sweep(SWEEP_BATCH)
local h = poolHash(ARGV[5])
if redis.call('EXISTS', h) == 0 then return 0 end
redis.call('HSET', h, 'spent', '0', 'refused', '0')
redis.call('HINCRBY', h, 'epoch', 1)
redis.call('DEL', base .. 'warn:' .. ARGV[5])
return 1
