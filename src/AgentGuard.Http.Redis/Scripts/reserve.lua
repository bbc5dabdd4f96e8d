-- Reserves an amount from every pool, or from none (reserveLease): its arguments from ARGV[5].
sweep(SWEEP_BATCH)
return reserveLease(ARGV, 5, #ARGV)
