-- Applies expiry to at most ARGV[5] due leases. Returns { leases expired, leases due that were looked at }.
local expired, due = sweep(tonumber(ARGV[5]))
return { expired, due }
