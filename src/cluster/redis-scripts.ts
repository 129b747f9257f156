import { createHash } from 'node:crypto';

/**
 * The Lua scripts of the Redis cluster. Every change to shared state is one script, so it is
 * atomic across processes, and it publishes its own change on the cluster channel from inside
 * Redis: every node sees membership changes in the order Redis applied them, each numbered by
 * one `seq` counter (a node's mirror uses it to line a snapshot up with the stream).
 *
 * Keys, under the prefix `p` (ARGV[1]):
 * - `seq` counter · `nodes` set of live node ids · `hb:<node>` heartbeat with a TTL
 * - `peers:<node>` hash peerId → PeerInfo JSON (an id is claimed by writing it here: `claim-id`)
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

export const script = (name: string, body: string): Script => {
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
 * ARGV: p, nodeId, peerId, PeerInfo JSON → 1 when the id was free and is now this node's peer,
 * 0 when a peer of a live node holds it (this one's included) or one is parked under it. Not
 * published: the engine registers the full peer right after. A dead node's peers do not count
 * (its `peers:` hash goes when it is swept).
 */
export const claimIdScript = script(
  'claim-id',
  `
local node, pid = ARGV[2], ARGV[3]
if redis.call('EXISTS', p .. 'pk:' .. pid) == 1 then return 0 end
for _, n in ipairs(redis.call('SMEMBERS', p .. 'nodes')) do
  if redis.call('HEXISTS', p .. 'peers:' .. n, pid) == 1
    and (n == node or redis.call('EXISTS', p .. 'hb:' .. n) == 1) then return 0 end
end
redis.call('HSET', p .. 'peers:' .. node, pid, ARGV[4])
return 1
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

/** Membership, liveness and re-registration (the handover's are in redis-handover-scripts.ts). */
export const coreScripts = [
  admitScript,
  releaseScript,
  mediaScript,
  peerScript,
  claimIdScript,
  heartbeatScript,
  deadMembersScript,
  nodeGoneScript,
  restoreScript,
  snapshotScript,
];
