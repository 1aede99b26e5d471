-- Recounts a sale from its stored reservations, in one consistent snapshot
-- with the stock counters. Reads each reservation by the key prefix given:
-- an audit script for a single Redis node (not a Redis Cluster).
-- KEYS: 1 sale's reservation set, 2.. stock shards
-- ARGV: 1 reservation key prefix, 2 per-user limit
-- Reply: {available, held, paid, released, reservations, {user, units, ...over the limit}}
local held, paid, released, count = 0, 0, 0, 0
local units = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local r = redis.call('HMGET', ARGV[1] .. id, 'state', 'quantity', 'userId')
  local quantity = tonumber(r[2])
  count = count + 1
  if r[1] == 'held' then held = held + quantity
  elseif r[1] == 'paid' then paid = paid + quantity
  else released = released + quantity end
  if r[1] ~= 'released' then units[r[3]] = (units[r[3]] or 0) + quantity end
end
local available = 0
for i = 2, #KEYS do available = available + tonumber(redis.call('GET', KEYS[i]) or '0') end
local over = {}
for user, n in pairs(units) do
  -- Mirrors decidePurchase's per-user limit (src/domain/purchase-decision.ts): I4 is holding <= limit.
  if n > tonumber(ARGV[2]) then
    table.insert(over, user)
    table.insert(over, n)
  end
end
return {available, held, paid, released, count, over}
