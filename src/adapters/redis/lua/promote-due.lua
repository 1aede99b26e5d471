-- Moves events whose retry time has come from the delayed set back onto the stream.
-- KEYS: 1 delayed set, 2 event stream
-- ARGV: 1 now, 2 at most this many
-- Reply: how many were moved
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(due) do
  local event = cjson.decode(member)
  redis.call('XADD', KEYS[2], '*', 'topic', event.topic, 'body', event.body,
    'attempts', tostring(event.attempts), 'lastError', event.lastError)
  redis.call('ZREM', KEYS[1], member)
end
return #due
