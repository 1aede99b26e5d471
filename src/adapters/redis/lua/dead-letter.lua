-- Moves a delivered event from the stream to the dead-letter stream.
-- KEYS: 1 event stream, 2 dead-letter stream
-- ARGV: 1 group, 2 entry id, 3 failed attempts, 4 last error, 5 now
-- Reply: 1 parked, 0 no such entry
local entry = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])[1]
if not entry then return 0 end
local fields = {}
for i = 1, #entry[2], 2 do fields[entry[2][i]] = entry[2][i + 1] end
redis.call('XADD', KEYS[2], '*', 'topic', fields.topic, 'body', fields.body, 'attempts', ARGV[3],
  'lastError', ARGV[4], 'failedAt', ARGV[5])
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
