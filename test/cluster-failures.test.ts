import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chatsFrom, type TestPeer } from './helpers/clients.js';
import { useCluster, type NodeProcess } from './helpers/cluster.js';
import { until } from './helpers/wait.js';

const sdp = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };

async function health(node: NodeProcess): Promise<{ status: string; nodes: number }> {
  return (await fetch(`${node.url}/health`)).json() as Promise<{ status: string; nodes: number }>;
}

async function pair(a: TestPeer, b: TestPeer, roomId: string): Promise<void> {
  a.emit('join-room', { roomId });
  await a.next('joined');
  b.emit('join-room', { roomId });
  await a.next('ready');
  await b.next('ready');
}

describe('a process that dies', () => {
  // A short resume window: the peers of a stopped process are parked for their clients that long.
  const { nodes, peers, on, beatAgain } = useCluster(3, { env: { RESUME_WINDOW_MS: '1000' } });

  it('is announced to partners on other processes within 10 s, exactly once', async (t) => {
    // Pair: a (node 0) with doomed b (node 2). Mesh: c (node 1), d (node 0), doomed e (node 2).
    const a = await on(0);
    const b = await on(2, 'websocket');
    await pair(a, b, 'k-pair');
    const [c, d, e] = [await on(1), await on(0, 'websocket'), await on(2)];
    for (const peer of [c, d, e]) {
      peer.emit('video:join-room', { roomId: 'k-mesh' });
      await peer.next('video:room-state');
    }
    await c.next('video:user-joined');
    await c.next('video:user-joined');
    await d.next('video:user-joined');

    const killedAt = Date.now();
    await nodes[2]!.kill('SIGKILL');
    const [left, leftC, leftD] = await Promise.all([
      a.next('peer-left', 10000),
      c.next('video:user-left', 10000),
      d.next('video:user-left', 10000),
    ]);
    const elapsed = Date.now() - killedAt;
    assert.ok(elapsed < 10000, `announced after ${elapsed} ms`);
    t.diagnostic(`leave announced ${elapsed} ms after kill -9`);
    assert.deepEqual(left, { roomId: 'k-pair', socketId: b.id });
    assert.equal(leftC.socketId, e.id);
    assert.equal(leftD.socketId, e.id);
    // Every surviving process tried to evict; only one may have announced. Once each beat
    // again, a chat through each (c on node 1, d on node 0) reaches a, c and d after any second
    // announcement would have.
    await beatAgain();
    a.emit('video:join-room', { roomId: 'k-mesh' });
    await a.next('video:room-state');
    const marker = chatsFrom([c, d], 'k-mesh');
    await Promise.all([
      a.events.noneBefore(marker(a), ['peer-left']),
      c.events.noneBefore(marker(c), ['video:user-left']),
      d.events.noneBefore(marker(d), ['video:user-left']),
    ]);
    // The dead process's peers and members are gone from the survivors' view.
    await until('the dead node is forgotten', async () => (await health(nodes[0]!)).nodes === 2);
    const metrics = await (await fetch(`${nodes[1]!.url}/metrics`)).json();
    assert.equal(metrics.connections, 3); // a, c and d
    // The room that lost its callee takes a new partner, on any process.
    const f = await on(1);
    f.emit('join-room', { roomId: 'k-pair' });
    assert.deepEqual((await f.next('joined')).members, [a.id, f.id]);
    assert.equal((await a.next('ready')).partnerId, f.id);
  });

  it('is announced once the resume window ends when the process is stopped with SIGTERM', async () => {
    // Survivors: node 0 and node 1. A new pair across them; c (node 1) is still with d (node 0).
    const g = await on(0, 'websocket');
    const h = await on(1);
    await pair(g, h, 't-pair');
    const c = peers[2]!;
    const d = peers[3]!;
    await nodes[1]!.kill('SIGTERM');
    // Its clients do not resume (see cluster-resume.test.ts for those that do): after the
    // 1 s window, the next beat of a survivor announces them, once.
    assert.deepEqual(await g.next('peer-left', 8000), { roomId: 't-pair', socketId: h.id });
    assert.equal((await d.next('video:user-left', 8000)).socketId, c.id);
    await beatAgain(); // the survivor's next pass: nothing left to announce
    g.emit('video:join-room', { roomId: 'k-mesh' });
    await g.next('video:room-state');
    const marker = chatsFrom([d], 'k-mesh');
    await g.events.noneBefore(marker(g), ['peer-left']);
    await d.events.noneBefore(marker(d), ['video:user-left']);
    // It removed itself: the next heartbeat of the survivor counts one node.
    await until('one node is left', async () => (await health(nodes[0]!)).nodes === 1, 3000);
  });
});

describe('Redis restarting mid-session', () => {
  const { nodes, peers, on, redis } = useCluster(2, { ownRedis: true });

  it('keeps same-process signaling up, says degraded, and resumes across processes', async () => {
    const a = await on(0);
    const b = await on(1, 'websocket');
    await pair(a, b, 'r-cross');
    const c = await on(0, 'websocket');
    const d = await on(0);
    await pair(c, d, 'r-local');

    await redis().stop();
    await until('both processes report degraded', async () =>
      (await Promise.all(nodes.map(health))).every((h) => h.status === 'degraded'),
    );
    // Peers of one process keep signaling, in a call they had and in a new one.
    c.emit('offer', { roomId: 'r-local', sdp });
    assert.equal((await d.next('offer-received')).from, c.id);
    const g = await on(1);
    const h = await on(1, 'websocket');
    await pair(g, h, 'r-during');
    h.emit('answer', { roomId: 'r-during', sdp: { ...sdp, type: 'answer' } });
    assert.equal((await g.next('answer-received')).from, h.id);

    // Redis comes back empty: each process re-registers its peers and rooms by itself.
    await redis().start();
    await until('both processes are ok again', async () =>
      (await Promise.all(nodes.map(health))).every((s) => s.status === 'ok' && s.nodes === 2),
    );
    a.emit('offer', { roomId: 'r-cross', sdp });
    assert.equal((await b.next('offer-received', 5000)).from, a.id);
    b.emit('ice-candidate', {
      roomId: 'r-cross',
      candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.1 1 typ host', sdpMid: '0' },
    });
    assert.equal((await a.next('ice-candidate-received')).from, b.id);
    // Rooms were re-registered: the restored pair is still full, cluster-wide.
    const late = await on(1);
    late.emit('join-room', { roomId: 'r-cross' });
    await late.next('room-full');
    const metrics = await (await fetch(`${nodes[1]!.url}/metrics`)).json();
    assert.equal(metrics.connections, peers.length);
    // New calls across processes work, and leaving is announced across them.
    const [e, f] = [await on(0), await on(1, 'websocket')];
    await pair(e, f, 'r-after');
    f.emit('leave-room', { roomId: 'r-after' });
    assert.deepEqual(await e.next('peer-left'), { roomId: 'r-after', socketId: f.id });
  });
});
