-- The budget's pools whose key starts with ARGV[5] ('' for all). Returns { { key, limit, spent, reserved, refused }... }.
sweep(SWEEP_BATCH)
local prefix = ARGV[5]
local result = {}
for _, key in ipairs(redis.call('SMEMBERS', poolsKey)) do
  if string.sub(key, 1, #prefix) == prefix and redis.call('EXISTS', poolHash(key)) == 1 then
    result[#result + 1] = state(key)
  end
end
return result
