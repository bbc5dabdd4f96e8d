-- A batch of lease operations of one budget, in one script call (one AOF write): expiry is applied once, then each
-- operation in turn. ARGV[5..]: for each operation its kind ('r' reserve, 's' settle, 'x' extend), the count of its
-- arguments, then those (as reserve.lua, settle.lua and extend.lua take them from ARGV[5]). Returns one reply per
-- operation, as its own script would; an operation that raises an error gets { -1, message } and the others go on
-- (each validates before it writes, so a failed one has written nothing that matters: at most a pool it created).
sweep(SWEEP_BATCH)
local replies = {}
local i = 5
while i <= #ARGV do
  local kind, count = ARGV[i], tonumber(ARGV[i + 1])
  local o, last = i + 2, i + 1 + count
  local ok, reply
  if kind == 'r' then
    ok, reply = pcall(reserveLease, ARGV, o, last)
  elseif kind == 's' then
    ok, reply = pcall(settleLease, ARGV, o)
  else
    ok, reply = pcall(extendLease, ARGV, o)
  end
  if ok then
    replies[#replies + 1] = reply
  else
    replies[#replies + 1] = { -1, type(reply) == 'table' and (reply.err or 'error') or tostring(reply) }
  end
  i = last + 1
end
return replies
