import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type TestPeer } from '../helpers/clients.js';
import {
  cleanRedis,
  clusterSuite,
  redisUrl,
  startNode,
  uniquePrefix,
  type NodeProcess,
} from '../helpers/cluster.js';
import { request } from '../helpers/sse.js';
import { hsToken, SECRET } from '../helpers/tokens.js';
import { until } from '../helpers/wait.js';

/** Two sinyal processes on one Redis prefix for the enclosing describe, and its peers to close. */
function twoProcesses(env: Record<string, string>): { nodes: NodeProcess[]; peers: TestPeer[] } {
  const prefix = uniquePrefix();
  const nodes: NodeProcess[] = [];
  const peers: TestPeer[] = [];
  let release = () => {};
  before(async () => {
    release = await clusterSuite();
    const all = { REDIS_URL: redisUrl, REDIS_PREFIX: prefix, ...env };
    nodes.push(...(await Promise.all([startNode(all), startNode(all)])));
  });
  after(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await Promise.all(nodes.map((n) => n.kill()));
    await cleanRedis(redisUrl, prefix);
    release();
  });
  return { nodes, peers };
}

describe('grants and admin tokens across processes (REDIS_URL)', () => {
  const { nodes, peers } = twoProcesses({ AUTH_JWT_SECRET: SECRET });
  const on = async (
    node: number,
    sub: string,
    rooms: string[],
    transport: 'socket.io' | 'websocket' = 'socket.io',
  ) => {
    const peer = await connect(transport, nodes[node]!.url, {
      token: await hsToken({ sub, claims: { rooms } }),
    });
    peers.push(peer);
    return peer;
  };

  it('a team-* holder on one process joins team-a and is refused "other" on the other, unseen', async () => {
    const insider = await on(0, 'insider', ['other', 'team-*']);
    insider.emit('video:join-room', { roomId: 'other' });
    await insider.next('video:room-state');
    insider.emit('video:join-room', { roomId: 'team-a' });
    await insider.next('video:room-state');
    const holder = await on(1, 'holder', ['team-*'], 'websocket');
    holder.emit('video:join-room', { roomId: 'other' });
    const error = await holder.next('error');
    assert.equal(error.code, 'forbidden');
    holder.emit('video:join-room', { roomId: 'team-a' });
    const state = await holder.next('video:room-state', 10_000);
    assert.deepEqual(
      state.participants.map((p: { userId: string }) => p.userId),
      ['insider'],
    );
    // Heard after a join into "other" would have been: it must be the first.
    const joined = await insider.next('video:user-joined', 10_000);
    assert.deepEqual([joined.userId, joined.roomId], ['holder', 'team-a']);
  });

  it('an admin JWT opens the admin API of every process; a user token gets 403', async () => {
    const admin = await hsToken({ sub: 'root', claims: { admin: true } });
    const user = await hsToken({ sub: 'user' });
    for (const node of nodes) {
      const ok = await request(node.url, 'GET', '/api/connections', undefined, {
        authorization: `Bearer ${admin}`,
      });
      assert.equal(ok.status, 200);
      assert.ok(ok.body.total >= 2, 'connections of both processes');
      const no = await request(node.url, 'GET', '/api/connections', undefined, {
        authorization: `Bearer ${user}`,
      });
      assert.equal(no.status, 403);
    }
  });
});

describe('TURN credentials across processes, authentication off (REDIS_URL)', () => {
  const { nodes, peers } = twoProcesses({
    TURN_URLS: 'turn:turn.example.test:3478',
    TURN_SECRET: 'turn-shared-secret',
  });
  const ice = (node: number, query: Record<string, string>) =>
    request(nodes[node]!.url, 'GET', `/api/ice-servers?${new URLSearchParams(query)}`);

  it('a connection on one process gets credentials from the other; a closed one does not', async () => {
    const peer = await connect('websocket', nodes[0]!.url, { userId: 'ada' });
    peers.push(peer);
    const welcome = peer.welcome as { socketId: string; connectionToken: string };
    const proof = { connectionId: welcome.socketId, connectionToken: welcome.connectionToken };
    // The other process learns of the peer through Redis: retry briefly until it has.
    let res!: Awaited<ReturnType<typeof ice>>;
    await until(
      'the other process knows it',
      async () => (res = await ice(1, proof)).status === 200,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const server = res.body.iceServers.find((s: { username?: string }) => s.username);
    assert.match(server.username, /^\d+:ada$/, 'the TURN user is the connection’s own');
    assert.equal((await ice(1, { ...proof, connectionToken: 'forged' })).status, 401);

    await peer.close();
    // A closed connection is no proof on any process.
    await until('the other process refuses it', async () => (await ice(1, proof)).status === 401);
  });
});
