#!lua name=livehub
-- The library the hub loads (FUNCTION LOAD REPLACE) so a publisher in any language makes one call:
--   FCALL hub_publish 1 <prefix>:{<user>}:events <event> <json> [<publish id>]
-- It validates like the hub does, then runs the hub's own append script (inlined below as append()) with the
-- settings of the node that loaded it. Returns the entry id; errors start with "ERR hub_publish:".
local MAX_ENTRIES = '${maxEntries}'
local RETENTION_MS = '${retentionMillis}'
local DEDUPE_MS = '${dedupeMillis}'
local RESERVED = { ready = true, reset = true, ['auth-expired'] = true, compacted = true }

local function append(KEYS, ARGV)
${append}
end

local function refuse(message)
  return redis.error_reply('ERR hub_publish: ' .. message)
end

redis.register_function('hub_publish', function(keys, args)
  local key = keys[1]
  if #keys ~= 1 or not key then
    return refuse('give one key, the stream: FCALL hub_publish 1 hub:{<user>}:events <event> <json>')
  end
  local base, user = string.match(key, '^(.+:{([^{}]*)}):events$')
  if not base then
    return refuse("the key '" .. key .. "' is not a stream key <prefix>:{<user>}:events")
  end
  if #user == 0 or #user > 128 or not string.match(user, '^[%w._@+=:%-]+$') then
    return refuse("the user id '" .. user .. "' is not 1 to 128 of A-Z a-z 0-9 . _ @ + = : -")
  end
  local event, data, publishId = args[1], args[2], args[3]
  if not event or not data then
    return refuse('give the event name and its JSON data')
  end
  if #event > 64 or not string.match(event, '^[a-z0-9._%-]+$') then
    return refuse("the event name '" .. event .. "' is not 1 to 64 of a-z 0-9 . _ -")
  end
  if RESERVED[event] then
    return refuse("'" .. event .. "' is the hub's own event name")
  end
  if #data > 65536 then
    return refuse('the data has ' .. #data .. ' bytes; at most 65536')
  end
  if not pcall(cjson.decode, data) then
    return refuse('the data is not valid JSON')
  end
  if publishId and publishId ~= '' then
    return append({ key, base .. ':pub:' .. publishId, base .. ':bell' },
      { event, data, MAX_ENTRIES, RETENTION_MS, DEDUPE_MS })
  end
  return append({ key, key, base .. ':bell' }, { event, data, MAX_ENTRIES, RETENTION_MS, '0' })
end)
