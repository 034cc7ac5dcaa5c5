/**
 * Lua run by the transport. Each script is one round trip and runs atomically on Redis,
 * which REST needs: there is no connection to hold state between commands, and every
 * extra command is another HTTPS request from the edge.
 */

/**
 * One pull for one consumer of one group:
 * 1. creates the group if it is missing (BUSYGROUP ignored), with MKSTREAM;
 * 2. XAUTOCLAIM: entries another consumer of the group received more than `claimIdleMs`
 *    ago and never acked, with their delivery counts from XPENDING;
 * 3. XREADGROUP `>` (no BLOCK) for new entries, up to what is left of the limit.
 *
 * KEYS[1] stream
 * ARGV[1] group, ARGV[2] consumer, ARGV[3] limit, ARGV[4] claimIdleMs,
 * ARGV[5] claim cursor, ARGV[6] id a new group starts after ("0" or "$"), ARGV[7] body field
 *
 * Reply: { next claim cursor, more (0|1), { trimmed pending ids }, { id, body|nil, deliveries, … } }
 */
export const PULL_SCRIPT = `
local stream, group, consumer = KEYS[1], ARGV[1], ARGV[2]
local limit = tonumber(ARGV[3])
local field = ARGV[7]

local created = redis.pcall('XGROUP', 'CREATE', stream, group, ARGV[6], 'MKSTREAM')
if type(created) == 'table' and created.err and not string.find(created.err, 'BUSYGROUP', 1, true) then
  return redis.error_reply(created.err)
end

local function body_of(fields)
  if type(fields) ~= 'table' then return false end
  for i = 1, #fields - 1, 2 do
    if fields[i] == field then return fields[i + 1] end
  end
  return false
end

local out = {}
local taken = 0

local claim = redis.call('XAUTOCLAIM', stream, group, consumer, ARGV[4], ARGV[5], 'COUNT', limit)
local cursor = claim[1]
local trimmed = claim[3] or {}
for _, entry in ipairs(claim[2]) do
  -- Redis 6.2 answers nil for a pending entry that was trimmed away; 7 lists it in claim[3].
  if entry then
    local id = entry[1]
    local pending = redis.call('XPENDING', stream, group, id, id, 1)
    local deliveries = 1
    if pending[1] then deliveries = pending[1][4] end
    out[#out + 1] = id
    out[#out + 1] = body_of(entry[2])
    out[#out + 1] = deliveries
    taken = taken + 1
  end
end

local more = 0
if taken >= limit then
  -- The limit went to reclaimed entries; there may be more of them or new ones.
  more = 1
else
  local want = limit - taken
  local read = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', want, 'STREAMS', stream, '>')
  local got, last = 0, nil
  if read and read[1] then
    for _, entry in ipairs(read[1][2]) do
      out[#out + 1] = entry[1]
      out[#out + 1] = body_of(entry[2])
      out[#out + 1] = 1
      got = got + 1
      last = entry[1]
    end
  end
  if got >= want then
    local newest = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
    if newest[1] and newest[1][1] ~= last then more = 1 end
  end
end

return { cursor, more, trimmed, out }
`;

/**
 * What health needs, in one atomic read: stream length, first and last ids, the group's
 * pending count, Redis' lag (nil when it cannot tell), last delivered id, the oldest
 * pending id and the first id not yet delivered. Writes nothing.
 *
 * KEYS[1] stream; ARGV[1] group
 *
 * Reply: { 0 } when the stream does not exist, else
 * { 1, length, first id|nil, last id|nil, group found (0|1), pending, lag|nil,
 *   last delivered id, oldest pending id|nil, first undelivered id|nil }
 */
export const HEALTH_SCRIPT = `
local stream, group = KEYS[1], ARGV[1]
if redis.call('EXISTS', stream) == 0 then return { 0 } end

local length = redis.call('XLEN', stream)
local first = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
local last = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
local first_id = first[1] and first[1][1] or false
local last_id = last[1] and last[1][1] or false

local info = nil
for _, flat in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
  local g = {}
  for i = 1, #flat - 1, 2 do g[flat[i]] = flat[i + 1] end
  if g['name'] == group then info = g end
end
if not info then return { 1, length, first_id, last_id, 0 } end

local summary = redis.call('XPENDING', stream, group)
local delivered = info['last-delivered-id']
local unread = redis.call('XRANGE', stream, '(' .. delivered, '+', 'COUNT', 1)
return { 1, length, first_id, last_id, 1, info['pending'], info['lag'] or false, delivered,
  summary[2] or false, unread[1] and unread[1][1] or false }
`;

/**
 * Deletes consumers of the group that hold no pending entries and were idle longer than
 * ARGV[2] ms. A consumer with pending entries is never deleted: XGROUP DELCONSUMER would
 * drop its pending entries, and with them their redelivery.
 *
 * KEYS[1] stream; ARGV[1] group, ARGV[2] idle ms. Reply: { deleted consumer names }
 */
export const PRUNE_SCRIPT = `
local stream, group, idle = KEYS[1], ARGV[1], tonumber(ARGV[2])
if redis.call('EXISTS', stream) == 0 then return {} end
local consumers = redis.pcall('XINFO', 'CONSUMERS', stream, group)
if consumers.err then return {} end
local deleted = {}
for _, flat in ipairs(consumers) do
  local c = {}
  for i = 1, #flat - 1, 2 do c[flat[i]] = flat[i + 1] end
  if c['pending'] == 0 and c['idle'] > idle then
    redis.call('XGROUP', 'DELCONSUMER', stream, group, c['name'])
    deleted[#deleted + 1] = c['name']
  end
end
return deleted
`;

/**
 * The stream's length and ends, in one round trip: what `countSince` estimates from.
 * Reply: { 0 } when empty or missing, else { length, first id, last id }.
 */
export const EXTENT_SCRIPT = `
local length = redis.call('XLEN', KEYS[1])
if length == 0 then return { 0 } end
local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
return { length, first[1][1], last[1][1] }
`;
