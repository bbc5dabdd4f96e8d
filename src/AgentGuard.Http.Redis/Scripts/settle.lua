-- Settles a lease at its actual cost (settleLease): its arguments from ARGV[5].
sweep(SWEEP_BATCH)
return settleLease(ARGV, 5)
