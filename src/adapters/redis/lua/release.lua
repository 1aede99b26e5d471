-- Gives a held reservation's units back to the shards they came from and
-- appends its event, exactly once however many callers race.
-- KEYS: 1 reservation, 2 due set, 3 event stream, 4 holdings, 5.. stock shards
-- ARGV: 1 reservation id, 2 reason, 3 now, 4 event body, 5 user id, 6 quantity,
--       7.. units for each shard key (as KEYS 5..)
-- Reply: 1 released, 0 the reservation was no longer held
if redis.call('HGET', KEYS[1], 'state') ~= 'held' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'released', 'reason', ARGV[2], 'releasedAt', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[4], ARGV[5], -tonumber(ARGV[6]))
if tonumber(redis.call('HGET', KEYS[4], ARGV[5])) <= 0 then redis.call('HDEL', KEYS[4], ARGV[5]) end
for i = 5, #KEYS do redis.call('INCRBY', KEYS[i], ARGV[i + 2]) end
redis.call('XADD', KEYS[3], '*', 'topic', 'reservation.released', 'body', ARGV[4], 'attempts', '0')
return 1
