-- Marks a held reservation paid and appends its event; the caller decided
-- that payment is due, this only guards against a concurrent change.
-- KEYS: 1 reservation, 2 due set, 3 event stream
-- ARGV: 1 reservation id, 2 now, 3 event body (the paid reservation's JSON)
-- Reply: 1 paid, 0 the reservation was no longer held
if redis.call('HGET', KEYS[1], 'state') ~= 'held' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'paid', 'paidAt', ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('XADD', KEYS[3], '*', 'topic', 'reservation.paid', 'body', ARGV[3], 'attempts', '0')
return 1
