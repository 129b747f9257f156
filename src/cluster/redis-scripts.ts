import { createHash } from 'node:crypto';

/**
 * The Lua scripts of the Redis cluster. Every change to shared state is one script, so it is
 * atomic across processes, and it publishes its own change on the cluster channel from inside
 * Redis: every node sees membership changes in the order Redis applied them, each numbered by
 * one `seq` counter (a node's mirror uses it to line a snapshot up with the stream).
 *
 * Keys, under the prefix `p` (ARGV[1]):
 * - `seq` counter · `nodes` set of live node ids · `hb:<node>` heartbeat with a TTL
 * - `peers:<node>` hash peerId → PeerInfo JSON
 * - `rooms` set of room keys (`kind:id`) · `m:<room>` hash peerId → Member JSON ·
 *   `o:<room>` sorted set peerId by seq (join order)
 * - `nm:<node>` set of `[peerId, room]` a node's members are in (to evict them when it dies)
 * Channels: `cluster` (ordered state changes, broadcasts) and `to:<node>` (forwarded events).
 * Key names are built inside the scripts, so this needs one Redis (standalone or Sentinel),
 * not Redis Cluster.
 */
const common = `
local p = ARGV[1]
local function publish(msg) redis.call('PUBLISH', p .. 'cluster', msg) end
local function nextSeq() return redis.call('INCR', p .. 'seq') end
local function str(s) return cjson.encode(s) end
local function membersOf(rk)
  local out = {}
  for _, id in ipairs(redis.call('ZRANGE', p .. 'o:' .. rk, 0, -1)) do
    local m = redis.call('HGET', p .. 'm:' .. rk, id)
    if m then out[#out + 1] = m end
  end
  return out
end
local function addMember(rk, pid, node, json)
  local seq = nextSeq()
  redis.call('ZADD', p .. 'o:' .. rk, seq, pid)
  redis.call('HSET', p .. 'm:' .. rk, pid, json)
  redis.call('SADD', p .. 'rooms', rk)
  redis.call('SADD', p .. 'nm:' .. node, cjson.encode({pid, rk}))
  publish('{"t":"join","seq":' .. seq .. ',"room":' .. str(rk) .. ',"member":' .. json .. '}')
  return seq
end
local function removeMember(rk, pid)
  local json = redis.call('HGET', p .. 'm:' .. rk, pid)
  if not json then return nil end
  local node = cjson.decode(json).nodeId
  redis.call('HDEL', p .. 'm:' .. rk, pid)
  redis.call('ZREM', p .. 'o:' .. rk, pid)
  redis.call('SREM', p .. 'nm:' .. node, cjson.encode({pid, rk}))
  if redis.call('ZCARD', p .. 'o:' .. rk) == 0 then redis.call('SREM', p .. 'rooms', rk) end
  local seq = nextSeq()
  publish('{"t":"leave","seq":' .. seq .. ',"room":' .. str(rk) .. ',"peerId":' .. str(pid)
    .. ',"nodeId":' .. str(node) .. '}')
  return seq
end
`;

export interface Script {
  name: string;
  lua: string;
  sha: string;
}

const script = (name: string, body: string): Script => {
  const lua = common + body;
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex') };
};

/** ARGV: p, room, peerId, nodeId, member JSON, capacity (0 = none) → {'ok', seq, others} | {reason}. */
export const admitScript = script(
  'admit',
  `
local rk, pid = ARGV[2], ARGV[3]
if redis.call('HEXISTS', p .. 'm:' .. rk, pid) == 1 then return {'already-joined'} end
local cap = tonumber(ARGV[6])
if cap > 0 and redis.call('ZCARD', p .. 'o:' .. rk) >= cap then return {'full'} end
local others = membersOf(rk)
local seq = addMember(rk, pid, ARGV[4], ARGV[5])
return {'ok', seq, others}
`,
);

/** ARGV: p, room, peerId → {seq, remaining} or nil when it was not a member (announce once). */
export const releaseScript = script(
  'release',
  `
local seq = removeMember(ARGV[2], ARGV[3])
if not seq then return false end
return {seq, membersOf(ARGV[2])}
`,
);

/** ARGV: p, room, peerId, member JSON → seq, or 0 when it is not a member. */
export const mediaScript = script(
  'media',
  `
local rk, pid = ARGV[2], ARGV[3]
if redis.call('HEXISTS', p .. 'm:' .. rk, pid) == 0 then return 0 end
redis.call('HSET', p .. 'm:' .. rk, pid, ARGV[4])
local seq = nextSeq()
publish('{"t":"media","seq":' .. seq .. ',"room":' .. str(rk) .. ',"member":' .. ARGV[4] .. '}')
return seq
`,
);

/** ARGV: p, nodeId, peerId, PeerInfo JSON (or '' to remove the peer). */
export const peerScript = script(
  'peer',
  `
local node, pid, json = ARGV[2], ARGV[3], ARGV[4]
local seq
if json == '' then
  redis.call('HDEL', p .. 'peers:' .. node, pid)
  seq = nextSeq()
  publish('{"t":"unpeer","seq":' .. seq .. ',"nodeId":' .. str(node) .. ',"peerId":' .. str(pid) .. '}')
else
  redis.call('HSET', p .. 'peers:' .. node, pid, json)
  seq = nextSeq()
  publish('{"t":"peer","seq":' .. seq .. ',"peer":' .. json .. '}')
end
return seq
`,
);

/**
 * ARGV: p, nodeId, ttl ms → {added (1 when this node was missing: Redis lost its state or the
 * node was declared dead), live node count, ids of nodes whose heartbeat expired}.
 */
export const heartbeatScript = script(
  'heartbeat',
  `
local node = ARGV[2]
redis.call('SET', p .. 'hb:' .. node, '1', 'PX', ARGV[3])
local added = redis.call('SADD', p .. 'nodes', node)
local nodes = redis.call('SMEMBERS', p .. 'nodes')
local dead = {}
for _, n in ipairs(nodes) do
  if redis.call('EXISTS', p .. 'hb:' .. n) == 0 then dead[#dead + 1] = n end
end
return {added, #nodes - #dead, dead}
`,
);

/** ARGV: p, dead nodeId → {room, member JSON, ...} of its members, or nil if it is alive again. */
export const deadMembersScript = script(
  'dead-members',
  `
local node = ARGV[2]
if redis.call('EXISTS', p .. 'hb:' .. node) == 1 then return false end
local out = {}
for _, e in ipairs(redis.call('SMEMBERS', p .. 'nm:' .. node)) do
  local d = cjson.decode(e)
  local json = redis.call('HGET', p .. 'm:' .. d[2], d[1])
  if json then
    out[#out + 1] = d[2]
    out[#out + 1] = json
  else
    redis.call('SREM', p .. 'nm:' .. node, e)
  end
end
return out
`,
);

/**
 * ARGV: p, nodeId, force ('1' for a node leaving on its own) → 1 when the node was removed
 * (its peers forgotten everywhere); 0 while it is alive or still has members to evict.
 */
export const nodeGoneScript = script(
  'node-gone',
  `
local node = ARGV[2]
if ARGV[3] ~= '1' and redis.call('EXISTS', p .. 'hb:' .. node) == 1 then return 0 end
if redis.call('SCARD', p .. 'nm:' .. node) > 0 then return 0 end
redis.call('DEL', p .. 'hb:' .. node, p .. 'peers:' .. node, p .. 'nm:' .. node)
redis.call('SREM', p .. 'nodes', node)
local seq = nextSeq()
publish('{"t":"gone","seq":' .. seq .. ',"nodeId":' .. str(node) .. '}')
return 1
`,
);

/**
 * Re-registers a node after Redis came back (or lost its state): its peers, and exactly its
 * members (adds the missing ones, drops the ones that left meanwhile), plus its heartbeat.
 * ARGV: p, nodeId, ttl ms, peer count n, n × (peerId, PeerInfo JSON), then (room, peerId, JSON)…
 */
export const restoreScript = script(
  'restore',
  `
local node = ARGV[2]
redis.call('SET', p .. 'hb:' .. node, '1', 'PX', ARGV[3])
redis.call('SADD', p .. 'nodes', node)
local peersKey = p .. 'peers:' .. node
redis.call('DEL', peersKey)
local peers = {}
local i = 5
for k = 1, tonumber(ARGV[4]) do
  redis.call('HSET', peersKey, ARGV[i], ARGV[i + 1])
  peers[k] = ARGV[i + 1]
  i = i + 2
end
local want = {}
for j = i, #ARGV, 3 do want[cjson.encode({ARGV[j + 1], ARGV[j]})] = true end
for _, e in ipairs(redis.call('SMEMBERS', p .. 'nm:' .. node)) do
  if not want[e] then
    local d = cjson.decode(e)
    if not removeMember(d[2], d[1]) then redis.call('SREM', p .. 'nm:' .. node, e) end
  end
end
for j = i, #ARGV, 3 do
  local rk, pid, json = ARGV[j], ARGV[j + 1], ARGV[j + 2]
  if redis.call('HEXISTS', p .. 'm:' .. rk, pid) == 1 then
    redis.call('HSET', p .. 'm:' .. rk, pid, json)
    local seq = nextSeq()
    publish('{"t":"media","seq":' .. seq .. ',"room":' .. str(rk) .. ',"member":' .. json .. '}')
  else
    addMember(rk, pid, node, json)
  end
end
local seq = nextSeq()
publish('{"t":"peers","seq":' .. seq .. ',"nodeId":' .. str(node) .. ',"peers":['
  .. table.concat(peers, ',') .. ']}')
return seq
`,
);

/** ARGV: p → {seq, peer JSONs of live nodes, {room, {member JSON in join order}}…}, atomically. */
export const snapshotScript = script(
  'snapshot',
  `
local seq = tonumber(redis.call('GET', p .. 'seq') or '0')
local peers = {}
for _, n in ipairs(redis.call('SMEMBERS', p .. 'nodes')) do
  for _, v in ipairs(redis.call('HVALS', p .. 'peers:' .. n)) do peers[#peers + 1] = v end
end
local rooms = {}
for _, rk in ipairs(redis.call('SMEMBERS', p .. 'rooms')) do
  rooms[#rooms + 1] = rk
  rooms[#rooms + 1] = membersOf(rk)
end
return {seq, peers, rooms}
`,
);

/**
 * Resume across processes. A peer whose process hands it over (shutdown, or its client came
 * back elsewhere) is parked: its members get the node id `~parked`, its record (`pk:<peer>`:
 * secret hash, PeerInfo, rooms, kept events, deadline) waits in Redis, and events for it queue
 * in `pq:<peer>`. The node its client comes back to claims it; one that never comes back is
 * expired by whichever node sees its deadline pass first (`parked` sorted set by deadline).
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
 * moving the peer's members and PeerInfo to the claiming node, or nil (no such parked peer,
 * another secret, past its deadline).
 */
export const claimScript = script(
  'claim',
  moveMembers +
    `
local pid, node = ARGV[2], ARGV[4]
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
 * ARGV: p, now ms → {room, member JSON, ...} of parked peers past their deadline, whose records
 * are gone from here on (so exactly one node announces each, and no claim can follow).
 */
export const expireParkedScript = script(
  'expire-parked',
  `
local out = {}
for _, pid in ipairs(redis.call('ZRANGEBYSCORE', p .. 'parked', '-inf', ARGV[2], 'LIMIT', 0, 100)) do
  redis.call('ZREM', p .. 'parked', pid)
  local json = redis.call('GET', p .. 'pk:' .. pid)
  redis.call('DEL', p .. 'pk:' .. pid, p .. 'pq:' .. pid)
  if json then
    for _, rk in ipairs(cjson.decode(json).rooms) do
      local m = redis.call('HGET', p .. 'm:' .. rk, pid)
      if m then
        out[#out + 1] = rk
        out[#out + 1] = m
      end
    end
  end
end
return out
`,
);

export const allScripts = [
  parkScript,
  queueScript,
  claimScript,
  expireParkedScript,
  admitScript,
  releaseScript,
  mediaScript,
  peerScript,
  heartbeatScript,
  deadMembersScript,
  nodeGoneScript,
  restoreScript,
  snapshotScript,
];
