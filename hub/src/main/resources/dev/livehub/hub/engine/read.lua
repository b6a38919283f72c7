-- Reads a user's stream from an id, inclusive, with what the resume rules need, in one round trip.
-- KEYS[1] stream key; ARGV[1] first id (inclusive), ARGV[2] max entries
-- Returns { last-generated-id, entries-added - length, entries }. A missing stream is { '0-0', 0, {} }.
-- max-deleted-entry-id is not used: XADD MAXLEN trimming leaves it at 0-0; entries-added > length says it.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return { '0-0', 0, {} }
end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local last, added, length
for i = 1, #info, 2 do
  local name = info[i]
  if name == 'last-generated-id' then
    last = info[i + 1]
  elseif name == 'entries-added' then
    added = info[i + 1]
  elseif name == 'length' then
    length = info[i + 1]
  end
end
local entries = {}
if tonumber(ARGV[2]) > 0 then
  entries = redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])
end
return { last, added - length, entries }
