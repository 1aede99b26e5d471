-- Takes a delivered event off the stream and parks it in the delayed set until its retry time.
-- KEYS: 1 event stream, 2 delayed set
-- ARGV: 1 group, 2 entry id, 3 retry at, 4 failed attempts so far, 5 last error
-- Reply: 1 rescheduled, 0 no such entry (acked meanwhile)
local entry = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])[1]
if not entry then return 0 end
local fields = {}
for i = 1, #entry[2], 2 do fields[entry[2][i]] = entry[2][i + 1] end
redis.call('ZADD', KEYS[2], ARGV[3], cjson.encode({
  id = ARGV[2], topic = fields.topic, body = fields.body,
  attempts = tonumber(ARGV[4]), lastError = ARGV[5],
}))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
