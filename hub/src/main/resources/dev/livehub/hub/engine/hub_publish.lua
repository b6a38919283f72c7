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

-- The user id inside a key, as RedisKeys.encodeUser writes it (the one rule of the wire format): bytes outside
-- A-Z a-z 0-9 . _ @ + = : - as %XX in upper-case hex, the others as they are. Anything else is refused, so one user
-- has one key (no '%41' for 'A', no lower-case hex). A user id has at most 256 characters (code points, as
-- Publication.MAX_USER_ID_LENGTH): each is one byte as it is, or up to four escaped bytes; every UTF-8 byte but a
-- continuation byte (0x80-0xBF) starts one.
local function encoded_user(user)
  if #user == 0 or #user > 3072 then
    return false
  end
  local canonical = true
  local characters = 0
  local rest = string.gsub(user, '%%(..)', function(hex)
    local byte = string.match(hex, '^[0-9A-F][0-9A-F]$') and tonumber(hex, 16)
    if not byte or string.match(string.char(byte), '^[%w._@+=:%-]$') then
      canonical = false
    elseif byte < 128 or byte > 191 then
      characters = characters + 1
    end
    return ''
  end)
  return canonical and characters + #rest <= 256 and string.match(rest, '^[%w._@+=:%-]*$') ~= nil
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
  if dedupe and #publishId > 64 then
    return refuse('a publish id has 1 to 64 characters')
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
      return refuse("the user id '" .. user .. "' is not encoded: 1 to 256 characters, each UTF-8 byte outside "
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
