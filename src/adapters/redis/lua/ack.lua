-- Acknowledges a handled event and deletes it from the stream (one command instead of MULTI/XACK/XDEL/EXEC).
-- KEYS: 1 event stream
-- ARGV: 1 group, 2 entry id
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
return redis.call('XDEL', KEYS[1], ARGV[2])
