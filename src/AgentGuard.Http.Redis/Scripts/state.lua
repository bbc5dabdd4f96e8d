-- A pool's state, creating it with its seed limit. ARGV[5]: pool key; ARGV[6]: seed limit.
-- Returns { key, limit, spent, reserved, refused }.
sweep(SWEEP_BATCH)
ensurePool(ARGV[5], ARGV[6])
return state(ARGV[5])
