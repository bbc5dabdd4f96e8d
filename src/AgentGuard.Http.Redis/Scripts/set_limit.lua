-- Sets a pool's limit, creating the pool. ARGV[5]: pool key; ARGV[6]: limit. Returns { key, limit, spent, reserved, refused }.
sweep(SWEEP_BATCH)
redis.call('HSET', ensurePool(ARGV[5], ARGV[6]), 'limit', ARGV[6])
return state(ARGV[5])
