-- Appends one entry to a user's stream and rings the user's bell, atomically.
-- KEYS[1] stream key, KEYS[2] publish-id key, KEYS[3] bell channel (same hash tag, so one Cluster slot)
-- ARGV[1] event, ARGV[2] data (JSON), ARGV[3] max entries, ARGV[4] retention ms, ARGV[5] dedupe window ms
-- Returns the entry id. A publish id seen within the window returns its first id and appends nothing: Lettuce
-- replays unacknowledged commands after a reconnect, and publishers retry. A window of 0 keeps no publish id.
local dedupe = ARGV[5] ~= '0'
if dedupe then
  local earlier = redis.call('GET', KEYS[2])
  if earlier then
    return earlier
  end
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'event', ARGV[1], 'data', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if dedupe then
  redis.call('SET', KEYS[2], id, 'PX', ARGV[5])
end
redis.call('SPUBLISH', KEYS[3], id .. '\n' .. ARGV[1] .. '\n' .. ARGV[2])
return id
