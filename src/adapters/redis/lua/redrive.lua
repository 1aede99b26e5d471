-- Puts a dead letter back on the event stream with its attempts reset.
-- KEYS: 1 dead-letter stream, 2 event stream
-- ARGV: 1 dead-letter id
-- Reply: 1 redriven, 0 no such dead letter
local entry = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])[1]
if not entry then return 0 end
local fields = {}
for i = 1, #entry[2], 2 do fields[entry[2][i]] = entry[2][i + 1] end
redis.call('XADD', KEYS[2], '*', 'topic', fields.topic, 'body', fields.body, 'attempts', '0')
redis.call('XDEL', KEYS[1], ARGV[1])
return 1
