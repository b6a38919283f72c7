-- Reads a user's stream from an id, inclusive, with what the resume rules need, in one round trip.
-- KEYS[1] stream key; ARGV[1] first id (inclusive), ARGV[2] max entries, ARGV[3] max bytes (event names and data,
-- what the reply carries): the read stops after the entry that reaches it, but returns at least two entries (the
-- cursor's and the next) when the stream has them, so a catch-up of large events goes in small replies and always
-- moves on.
-- Returns { last-generated-id, entries-added - length, entries }, entries flat: id, event, data of each entry in turn
-- (false for a field the entry lacks: a null bulk string in RESP2, which this script speaks; under redis.setresp(3) it
-- would be a RESP3 boolean, which the hub's reply parser does not take). A missing stream is { '0-0', 0, {} }.
-- Flat because converting replies is most of a read's cost in Redis: with 100 entries, returning them as XRANGE gives
-- them (an array of arrays of field lists) took 180 us a call, flat 125 us.
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
local count = 0
local limit = tonumber(ARGV[2])
local budget = tonumber(ARGV[3])
local from = ARGV[1]
local bytes = 0
while count < limit do
  -- In chunks, so that a bound reached early never costs Redis a reply of the whole count.
  local want = math.min(limit - count, 16)
  local chunk = redis.call('XRANGE', KEYS[1], from, '+', 'COUNT', want)
  for _, entry in ipairs(chunk) do
    local fields = entry[2]
    local event, data = false, false
    for i = 1, #fields - 1, 2 do
      if fields[i] == 'event' then
        event = fields[i + 1]
      elseif fields[i] == 'data' then
        data = fields[i + 1]
      end
    end
    bytes = bytes + (event and #event or 0) + (data and #data or 0)
    entries[3 * count + 1] = entry[1]
    entries[3 * count + 2] = event
    entries[3 * count + 3] = data
    count = count + 1
    if bytes >= budget and count > 1 then
      return { last, added - length, entries }
    end
  end
  if #chunk < want then
    break
  end
  from = '(' .. chunk[#chunk][1]
end
return { last, added - length, entries }
