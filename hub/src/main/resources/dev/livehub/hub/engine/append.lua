-- Appends entries to users' streams and rings each user's bell, atomically: one call serves many users (a fan-out)
-- and many publications (a batch). The hub runs it with '#!lua flags=allow-cross-slot-keys' on top, so that on a
-- Redis Cluster one call serves every user whose slot is on one node.
-- KEYS: the first entry's stream, publish-id key and bell (they share a hash tag: on a cluster, they route the call).
-- ARGV[1] max entries, ARGV[2] retention ms, ARGV[3] dedupe window ms (0: keep no publish id), ARGV[4] the number P
--   of publications, then each publication's event and data (ARGV[5], ARGV[6], ...), then four values per entry:
--   the index (1 to P) of its publication, its stream, its publish-id key (the stream key again: keep no publish
--   id) and its bell channel. A user's keys share a hash tag, so they share a slot.
-- Returns two values per entry: 'new' (appended now), 'repeat' (its publish id was appended before with the same
-- event and data: nothing appended) or 'conflict' (appended before with other content: nothing appended), then the
-- entry id (for 'repeat' and 'conflict', the earlier entry's). A publish-id key holds '<id> <sha1 of event\ndata>'.
-- Lettuce replays unacknowledged commands after a reconnect, and publishers retry: publish ids make that harmless.
local maxEntries, retention, window = ARGV[1], ARGV[2], ARGV[3]
local publications = tonumber(ARGV[4])
local sums = {}
local function sum(p)
  if not sums[p] then
    sums[p] = redis.sha1hex(ARGV[3 + 2 * p] .. '\n' .. ARGV[4 + 2 * p])
  end
  return sums[p]
end
local out = {}
for at = 5 + 2 * publications, #ARGV, 4 do
  local p, stream, publishKey, bell = tonumber(ARGV[at]), ARGV[at + 1], ARGV[at + 2], ARGV[at + 3]
  local event, data = ARGV[3 + 2 * p], ARGV[4 + 2 * p]
  local dedupe = window ~= '0' and publishKey ~= stream
  local earlier = dedupe and redis.call('GET', publishKey)
  if earlier then
    local id, earlierSum = string.match(earlier, '^(%S+) ?(%x*)$')
    out[#out + 1] = (earlierSum == '' or earlierSum == sum(p)) and 'repeat' or 'conflict'
    out[#out + 1] = id
  else
    local id = redis.call('XADD', stream, 'MAXLEN', '~', maxEntries, '*', 'event', event, 'data', data)
    redis.call('PEXPIRE', stream, retention)
    if dedupe then
      redis.call('SET', publishKey, id .. ' ' .. sum(p), 'PX', window)
    end
    redis.call('SPUBLISH', bell, id .. '\n' .. event .. '\n' .. data)
    out[#out + 1] = 'new'
    out[#out + 1] = id
  end
end
return out
