#!lua name=livehub
-- The library the hub loads (FUNCTION LOAD REPLACE) so a publisher in any language makes one call:
--   FCALL hub_publish 1 <prefix>:{<user>}:events <event> <json> [<publish id>]
--   FCALL hub_publish N <key 1> ... <key N> <event> <json> [<publish id>]     one event to N users in one call
--     (on a Redis Cluster, users whose keys share a slot; group them by CLUSTER KEYSLOT)
-- It validates like the hub does, then runs the hub's own append script (inlined below as append()) with the
-- settings of the node that loaded it. Returns the entry id (with N keys, an array of N ids); errors start with
-- "ERR hub_publish:". A publish id is appended once per user; reused with another event or data it is refused
-- (with N keys, that user's element of the array is the error, the others are appended).
-- The key prefix of the node that loaded it (hub.redis.prefix): a key of any other prefix is read by no node.
local PREFIX = '${prefix}'
local MAX_ENTRIES = '${maxEntries}'
local RETENTION_MS = '${retentionMillis}'
local DEDUPE_MS = '${dedupeMillis}'
local RESERVED = { ready = true, reset = true, ['auth-expired'] = true, compacted = true }
-- EventSource dispatches these itself, and app-stream.js emits these to its subscribers.
local CLIENT_RESERVED = { error = true, open = true, message = true, status = true, ['signed-out'] = true }

local function append(KEYS, ARGV)
${append}
end

-- The number of characters (code points) of s when s is UTF-8 as RFC 3629 defines it (shortest forms, no surrogates,
-- nothing above U+10FFFF), else nil: text the hub's Java side would refuse as a user id or a publish id.
local function utf8_length(s)
  local count, i, n = 0, 1, #s
  while i <= n do
    local c = string.byte(s, i)
    local need, low, high = 0, 0x80, 0xBF
    if c < 0x80 then
      need = 0
    elseif c >= 0xC2 and c <= 0xDF then
      need = 1
    elseif c == 0xE0 then
      need, low = 2, 0xA0
    elseif (c >= 0xE1 and c <= 0xEC) or c == 0xEE or c == 0xEF then
      need = 2
    elseif c == 0xED then
      need, high = 2, 0x9F
    elseif c == 0xF0 then
      need, low = 3, 0x90
    elseif c >= 0xF1 and c <= 0xF3 then
      need = 3
    elseif c == 0xF4 then
      need, high = 3, 0x8F
    else
      return nil
    end
    for k = 1, need do
      local d = string.byte(s, i + k)
      if not d or d < (k == 1 and low or 0x80) or d > (k == 1 and high or 0xBF) then
        return nil
      end
    end
    i = i + need + 1
    count = count + 1
  end
  return count
end

-- The user id inside a key, as RedisKeys.encodeUser writes it (the one rule of the wire format): bytes outside
-- A-Z a-z 0-9 . _ @ + = : - as %XX in upper-case hex, the others as they are. Anything else is refused, so one user
-- has one key (no '%41' for 'A', no lower-case hex). Decoded, it is UTF-8 of 1 to 256 characters (code points, as
-- Publication.MAX_USER_ID_LENGTH): a key no stream can belong to (bytes of another encoding) is refused.
local function encoded_user(user)
  if #user == 0 or #user > 3072 then
    return false
  end
  local canonical = true
  local decoded = string.gsub(user, '%%(..)', function(hex)
    local byte = string.match(hex, '^[0-9A-F][0-9A-F]$') and tonumber(hex, 16)
    if not byte or string.match(string.char(byte), '^[%w._@+=:%-]$') then
      canonical = false
      return ''
    end
    return string.char(byte)
  end)
  if not canonical or string.match((string.gsub(user, '%%..', '')), '^[%w._@+=:%-]*$') == nil then
    return false
  end
  local length = utf8_length(decoded)
  return length ~= nil and length <= 256
end

local function refuse(message)
  return redis.error_reply('ERR hub_publish: ' .. message)
end

redis.register_function('hub_publish', function(keys, args)
  if #keys < 1 then
    return refuse('give the stream key: FCALL hub_publish 1 hub:{<user>}:events <event> <json>')
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
  if CLIENT_RESERVED[event] then
    return refuse("'" .. event .. "' is reserved (EventSource and app-stream.js use it for their own signals)")
  end
  if #data > 65536 then
    return refuse('the data has ' .. #data .. ' bytes; at most 65536')
  end
  if not pcall(cjson.decode, data) then
    return refuse('the data is not valid JSON')
  end
  local dedupe = publishId and publishId ~= ''
  if dedupe and (#publishId > 256 or (utf8_length(publishId) or 65) > 64) then
    return refuse('a publish id has 1 to 64 characters of UTF-8 text')
  end
  local argv = { MAX_ENTRIES, RETENTION_MS, dedupe and DEDUPE_MS or '0', '1', event, data }
  local users = {}
  for i, key in ipairs(keys) do
    local base, user = string.match(key, '^(.+:{([^{}]*)}):events$')
    if not base then
      return refuse("the key '" .. key .. "' is not a stream key <prefix>:{<user>}:events")
    end
    if base ~= PREFIX .. ':{' .. user .. '}' then
      return refuse("the key '" .. key .. "' is not a stream of this hub, whose keys are " .. PREFIX
        .. ":{<user>}:events (hub.redis.prefix): no node would read it")
    end
    if not encoded_user(user) then
      return refuse("the user id '" .. user .. "' is not encoded: UTF-8 of 1 to 256 characters, each byte outside "
        .. "A-Z a-z 0-9 . _ @ + = : - written %XX (upper-case hex), e.g. hub:{Mary%20Ann}:events")
    end
    argv[#argv + 1] = '1'
    argv[#argv + 1] = key
    argv[#argv + 1] = dedupe and (base .. ':pub:' .. publishId) or key
    argv[#argv + 1] = base .. ':bell'
    users[i] = user
  end
  local results = append(keys, argv)
  local ids = {}
  for i = 1, #keys do
    if results[2 * i - 1] == 'conflict' then
      ids[i] = refuse("publish id '" .. publishId .. "' was used for another event or data for user '" .. users[i]
        .. "' (entry " .. results[2 * i] .. '); nothing was appended')
    else
      ids[i] = results[2 * i]
    end
  end
  if #keys == 1 then
    return ids[1]
  end
  return ids
end)
