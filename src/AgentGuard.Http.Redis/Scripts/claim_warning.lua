-- Claims a warning threshold of an existing pool, once until the pool is reset. ARGV[5]: pool key; ARGV[6]: threshold.
-- Returns 1 for the first claim.
sweep(SWEEP_BATCH)
if redis.call('EXISTS', poolHash(ARGV[5])) == 0 then return 0 end
return redis.call('SADD', base .. 'warn:' .. ARGV[5], ARGV[6])
