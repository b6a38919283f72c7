-- Reads a user's stream from an id, inclusive, with what the resume rules need, in one round trip.
-- KEYS[1] stream key; ARGV[1] first id (inclusive), ARGV[2] max entries, ARGV[3] max bytes (event names and data):
-- the read stops after the entry that reaches it, but returns at least two entries (the cursor's and the next) when the
-- stream has them, so a catch-up of large events goes in small replies and always moves on.
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
local limit = tonumber(ARGV[2])
local budget = tonumber(ARGV[3])
local from = ARGV[1]
local bytes = 0
while #entries < limit do
  -- In chunks, so that a bound reached early never costs Redis a reply of the whole count.
  local want = math.min(limit - #entries, 16)
  local chunk = redis.call('XRANGE', KEYS[1], from, '+', 'COUNT', want)
  for _, entry in ipairs(chunk) do
    entries[#entries + 1] = entry
    local fields = entry[2]
    for i = 2, #fields, 2 do
      bytes = bytes + #fields[i]
    end
    if bytes >= budget and #entries > 1 then
      return { last, added - length, entries }
    end
  end
  if #chunk < want then
    break
  end
  from = '(' .. chunk[#chunk][1]
end
return { last, added - length, entries }
