-- Decides and takes a reservation in one atomic step: idempotency key, sale
-- window, per-user limit, stock over the shards (tried in the order given),
-- then writes the reservation and appends its event to the order stream.
--
-- KEYS: 1 sale, 2 holdings, 3 user's idempotency keys, 4 new reservation,
--       5 new order index, 6 due set, 7 sale's reservation set, 8 event stream,
--       9.. stock shards in probe order
-- ARGV: 1 user id, 2 idempotency key, 3 quantity, 4 now, 5 reservation id,
--       6 reservation JSON, 7 expires at, 8 sale id, 9.. shard numbers (as KEYS 9..)
-- Reply: {code, ...}; the codes are mapped to outcomes in reserve-reply.ts.
-- Mirrors decidePurchase (src/domain/purchase-decision.ts): same checks, same order.
local sale = redis.call('HMGET', KEYS[1], 'startsAt', 'endsAt', 'perUserLimit')
if not sale[1] then return {'sale_not_found'} end

-- A used key is answered by decideRetry (src/domain/purchase-decision.ts) in redis-stock-ledger.ts.
local previous = redis.call('HGET', KEYS[3], ARGV[2])
if previous then return {'previous', previous} end

-- Mirrors decidePurchase's window check.
local now = tonumber(ARGV[4])
if now < tonumber(sale[1]) then return {'not_started'} end
if now >= tonumber(sale[2]) then return {'ended'} end

local quantity = tonumber(ARGV[3])
local limit = tonumber(sale[3])
local holding = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
-- Mirrors decidePurchase's per-user limit check.
if quantity > limit or holding + quantity > limit then return {'limit_exceeded', holding} end

local levels = {}
local available = 0
for i = 9, #KEYS do
  levels[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
  available = available + levels[i]
end
-- Mirrors decidePurchase's stock checks.
if available <= 0 then return {'sold_out'} end
if available < quantity then return {'insufficient_stock', available} end

local need = quantity
local taken = {}
for i = 9, #KEYS do
  if need == 0 then break end
  local take = math.min(need, levels[i])
  if take > 0 then
    redis.call('DECRBY', KEYS[i], take)
    need = need - take
    table.insert(taken, ARGV[i] .. ':' .. take)
  end
end

redis.call('HSET', KEYS[4], 'json', ARGV[6], 'state', 'held', 'saleId', ARGV[8], 'userId', ARGV[1],
  'quantity', quantity, 'expiresAt', ARGV[7], 'shards', table.concat(taken, ','))
redis.call('SET', KEYS[5], ARGV[5])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[5])
redis.call('HINCRBY', KEYS[2], ARGV[1], quantity)
redis.call('ZADD', KEYS[6], ARGV[7], ARGV[5])
redis.call('SADD', KEYS[7], ARGV[5])
redis.call('XADD', KEYS[8], '*', 'topic', 'reservation.created', 'body', ARGV[6], 'attempts', '0')
return {'reserved'}
