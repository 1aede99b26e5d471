-- Acknowledges handled events and deletes them from the stream, all in one call.
-- KEYS: 1 event stream
-- ARGV: 1 group, 2.. entry ids
local ids = {unpack(ARGV, 2)}
redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
return redis.call('XDEL', KEYS[1], unpack(ids))
