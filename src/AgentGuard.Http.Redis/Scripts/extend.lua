-- Moves an active lease's expiry (extendLease): its arguments from ARGV[5].
sweep(SWEEP_BATCH)
return extendLease(ARGV, 5)
