import { script } from './redis-scripts.js';

/**
 * Resume across processes. A peer whose process hands it over (shutdown, or its client came
 * back elsewhere) is parked: its members get the node id `~parked`, its record (`pk:<peer>`:
 * secret hash, PeerInfo, rooms, kept events, deadline) waits in Redis, and events for it queue
 * in `pq:<peer>`. The node its client comes back to claims it; one that never comes back is
 * expired by whichever node sees its deadline pass first (`parked` sorted set by deadline).
 * A kicked peer leaves a tombstone (`pr:<peer>`: its secret hash and the reason) for the rest
 * of its window, so its client is told it was kicked on whichever node it comes back to.
 */
export const PARKED_NODE = '~parked';

const moveMembers = `
local function moveMembers(pid, rooms, from, to)
  for _, rk in ipairs(rooms) do
    local json = redis.call('HGET', p .. 'm:' .. rk, pid)
    if json then
      local m = cjson.decode(json)
      m.nodeId = to
      json = cjson.encode(m)
      redis.call('HSET', p .. 'm:' .. rk, pid, json)
      if from ~= '${PARKED_NODE}' then redis.call('SREM', p .. 'nm:' .. from, cjson.encode({pid, rk})) end
      if to ~= '${PARKED_NODE}' then redis.call('SADD', p .. 'nm:' .. to, cjson.encode({pid, rk})) end
      publish('{"t":"media","seq":' .. nextSeq() .. ',"room":' .. str(rk) .. ',"member":' .. json .. '}')
    end
  end
end
`;

/** Takes a parked peer out of Redis: its record, then {room, member JSON}… of its rooms. */
const unpark = `
local function unpark(pid)
  redis.call('ZREM', p .. 'parked', pid)
  local json = redis.call('GET', p .. 'pk:' .. pid)
  redis.call('DEL', p .. 'pk:' .. pid, p .. 'pq:' .. pid)
  if not json then return nil end
  local members = {}
  for _, rk in ipairs(cjson.decode(json).rooms) do
    local m = redis.call('HGET', p .. 'm:' .. rk, pid)
    if m then
      members[#members + 1] = rk
      members[#members + 1] = m
    end
  end
  return {json, members}
end
`;

/** ARGV: p, peerId, nodeId, record JSON, deadline ms, ttl ms. */
export const parkScript = script(
  'park',
  moveMembers +
    `
local pid, node = ARGV[2], ARGV[3]
local record = cjson.decode(ARGV[4])
moveMembers(pid, record.rooms, node, '${PARKED_NODE}')
redis.call('HDEL', p .. 'peers:' .. node, pid)
publish('{"t":"unpeer","seq":' .. nextSeq() .. ',"nodeId":' .. str(node) .. ',"peerId":' .. str(pid) .. '}')
redis.call('SET', p .. 'pk:' .. pid, ARGV[4], 'PX', ARGV[6])
redis.call('ZADD', p .. 'parked', ARGV[5], pid)
redis.call('DEL', p .. 'pc:' .. pid, p .. 'pq:' .. pid)
return 1
`,
);

/**
 * ARGV: p, peerId, forward JSON (`{t:'fwd',...}`), max queued → 1 queued or forwarded to the
 * node that claimed it, 0 when the peer is no longer parked anywhere. Past the bound the peer
 * cannot be resumed exactly: its deadline becomes now, so it is announced as left.
 */
export const queueScript = script(
  'queue',
  `
local pid = ARGV[2]
local claimer = redis.call('GET', p .. 'pc:' .. pid)
if claimer then
  redis.call('PUBLISH', p .. 'to:' .. claimer, ARGV[3])
  return 1
end
local ttl = redis.call('PTTL', p .. 'pk:' .. pid)
if ttl <= 0 then return 0 end
local n = redis.call('RPUSH', p .. 'pq:' .. pid, ARGV[3])
if n == 1 then redis.call('PEXPIRE', p .. 'pq:' .. pid, ttl) end
if n > tonumber(ARGV[4]) then redis.call('ZADD', p .. 'parked', 0, pid) end
return 1
`,
);

/**
 * ARGV: p, peerId, secret hash, claiming nodeId, now ms → {record JSON, queued forwards} after
 * moving the peer's members and PeerInfo to the claiming node; {'kicked', reason} when an admin
 * ended it; nil otherwise (no such parked peer, another secret, past its deadline).
 */
export const claimScript = script(
  'claim',
  moveMembers +
    `
local pid, node = ARGV[2], ARGV[4]
local tomb = redis.call('GET', p .. 'pr:' .. pid)
if tomb then
  local t = cjson.decode(tomb)
  if t.h == ARGV[3] then return {'kicked', t.r} end
end
local json = redis.call('GET', p .. 'pk:' .. pid)
if not json then return false end
local record = cjson.decode(json)
if record.h ~= ARGV[3] then return false end
if redis.call('ZSCORE', p .. 'parked', pid) == false then return false end
if tonumber(redis.call('ZSCORE', p .. 'parked', pid)) < tonumber(ARGV[5]) then return false end
redis.call('DEL', p .. 'pk:' .. pid)
redis.call('ZREM', p .. 'parked', pid)
local queued = redis.call('LRANGE', p .. 'pq:' .. pid, 0, -1)
redis.call('DEL', p .. 'pq:' .. pid)
redis.call('SET', p .. 'pc:' .. pid, node, 'PX', 60000)
moveMembers(pid, record.rooms, '${PARKED_NODE}', node)
record.info.nodeId = node
local info = cjson.encode(record.info)
redis.call('HSET', p .. 'peers:' .. node, pid, info)
publish('{"t":"peer","seq":' .. nextSeq() .. ',"peer":' .. info .. '}')
return {json, queued}
`,
);

/**
 * ARGV: p, now ms → {{record JSON, {room, member JSON, ...}}, ...} of parked peers past their
 * deadline, whose records are gone from here on (so exactly one node ends each, and no claim
 * can follow).
 */
export const expireParkedScript = script(
  'expire-parked',
  unpark +
    `
local out = {}
for _, pid in ipairs(redis.call('ZRANGEBYSCORE', p .. 'parked', '-inf', ARGV[2], 'LIMIT', 0, 100)) do
  local gone = unpark(pid)
  if gone then out[#out + 1] = gone end
end
return out
`,
);

/**
 * Admin kick of a peer that is not connected anywhere. ARGV: p, peerId, reason, tombstone ttl ms
 * → {record JSON, {room, member JSON, ...}} when it was parked (the caller ends it, and a claim
 * of it answers `kicked` from now on); {'claimed', nodeId} when a node took it over meanwhile
 * (kick it there); nil when no such peer is parked.
 */
export const kickParkedScript = script(
  'kick-parked',
  unpark +
    `
local pid = ARGV[2]
local gone = unpark(pid)
if gone then
  local h = cjson.decode(gone[1]).h
  redis.call('SET', p .. 'pr:' .. pid, cjson.encode({h = h, r = ARGV[3]}), 'PX', ARGV[4])
  return gone
end
local claimer = redis.call('GET', p .. 'pc:' .. pid)
if claimer then return {'claimed', claimer} end
return false
`,
);

/** ARGV: p, peerId, tombstone JSON `{h, r}`, ttl ms: a kicked peer's resume is refused as such. */
export const tombstoneScript = script(
  'tombstone',
  `
redis.call('SET', p .. 'pr:' .. ARGV[2], ARGV[3], 'PX', ARGV[4])
return 1
`,
);

export const handoverScripts = [
  parkScript,
  queueScript,
  claimScript,
  expireParkedScript,
  kickParkedScript,
  tombstoneScript,
];
