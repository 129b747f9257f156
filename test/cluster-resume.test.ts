import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { chatsFrom, connect, receivedCount, type TestPeer } from './helpers/clients.js';
import { useCluster } from './helpers/cluster.js';
import { TcpProxy } from './helpers/tcp-proxy.js';

const offer = { type: 'offer', sdp: 'v=0\r\nmissed\r\n' };
const answer = { type: 'answer', sdp: 'v=0\r\n' };
const candidate = (n: number) => ({
  candidate: `candidate:${n} 1 udp 1 10.0.0.1 ${5000 + n} typ host`,
});
const churn = ['video:user-left', 'video:user-joined'];

// Two real processes on one Redis. A short window, so the expiry test does not wait 30 s.
describe('resume on another process (REDIS_URL)', () => {
  const { nodes, peers, on, addNode, beatAgain } = useCluster(2, {
    env: { RESUME_WINDOW_MS: '6000' },
  });
  const proxies: TcpProxy[] = [];
  after(() => Promise.all(proxies.map((p) => p.close())));

  /** A peer on process `node` behind a TCP proxy of its own. */
  async function behindProxy(node: number, transport: 'socket.io' | 'websocket') {
    const { port } = new URL(nodes[node]!.url);
    const proxy = new TcpProxy('127.0.0.1', Number(port));
    proxies.push(proxy);
    await proxy.start();
    const peer = await connect(transport, `http://127.0.0.1:${proxy.port}`);
    peers.push(peer);
    return { peer, proxy };
  }
  const enter = async (p: TestPeer, roomId: string) => {
    p.emit('video:join-room', { roomId });
    return (await p.next('video:room-state')).participants as Array<{ socketId: string }>;
  };
  /** What the other peer sends while `a` is away, and checks of its arrival. */
  function sendWhileAway(b: TestPeer, a: TestPeer, roomId: string) {
    b.emit('video:toggle-audio', { roomId, isMuted: true });
    b.emit('video:offer', { to: a.id, offer });
    for (let n = 1; n <= 3; n++)
      b.emit('video:ice-candidate', { to: a.id, candidate: candidate(n) });
  }
  async function assertResumed(resumed: TestPeer, a: TestPeer, b: TestPeer) {
    assert.equal(resumed.welcome.resumed, true, JSON.stringify(resumed.events.all));
    assert.equal(resumed.id, a.id);
    const want = [
      'video:peer-audio-changed',
      'video:offer',
      ...Array(3).fill('video:ice-candidate'),
    ];
    for (const event of want) await resumed.next(event, 10_000);
    b.emit('video:answer', { to: a.id, answer }); // after anything replayed twice, if any
    await resumed.next('video:answer', 10_000);
    assert.deepEqual(
      resumed.events.all.map((r) => r.event),
      ['welcome', ...want, 'video:answer'],
    );
    assert.deepEqual(
      resumed.events.all.slice(3, 6).map((r) => r.data.candidate),
      [1, 2, 3].map(candidate),
    );
    // Relays both ways from its new process; b heard of no leave or join.
    resumed.emit('video:answer', { to: b.id, answer });
    const answered = b.next('video:answer', 10_000);
    await b.events.noneBefore(answered, churn);
    assert.equal((await answered).from, a.id);
    b.emit('video:ice-candidate', { to: a.id, candidate: candidate(4) });
    assert.equal((await resumed.next('video:ice-candidate', 10_000)).from, b.id);
  }

  for (const transport of ['socket.io', 'websocket'] as const) {
    it(`${transport}: a client back on the other process while its own is alive`, async () => {
      const { peer: a, proxy } = await behindProxy(0, transport);
      const b = await on(1);
      await enter(a, `alive-${transport}`);
      await enter(b, `alive-${transport}`);
      await a.next('video:user-joined');
      await proxy.cut();
      sendWhileAway(b, a, `alive-${transport}`);
      const resumed = await connect(transport, nodes[1]!.url, {
        resume: a.welcome.resumeToken,
        received: receivedCount(a),
      });
      peers.push(resumed);
      await assertResumed(resumed, a, b);
      // A newcomer on the first process sees it in the room, with one entry.
      const c = await on(0);
      const state = await enter(c, `alive-${transport}`);
      assert.deepEqual(state.map((s) => s.socketId).sort(), [a.id, b.id].sort());
    });
  }

  it('a client whose process was restarted (SIGTERM) resumes on the other one', async () => {
    const a = await on(0, 'websocket');
    const b = await on(1);
    await enter(a, 'rolling');
    await enter(b, 'rolling');
    await a.next('video:user-joined');
    const stopped = nodes[0]!.kill('SIGTERM');
    await a.next('close', 15_000);
    sendWhileAway(b, a, 'rolling');
    await stopped;
    const resumed = await connect('websocket', nodes[1]!.url, {
      resume: a.welcome.resumeToken,
      received: receivedCount(a),
    });
    peers.push(resumed);
    // What came before the close (server:shutdown) was received; then the missed events.
    await assertResumed(resumed, a, b);
    nodes[0] = await addNode();
  });

  it('a client not back within the window is announced as left once, and starts over', async () => {
    const { peer: a, proxy } = await behindProxy(0, 'socket.io');
    const b = await on(1);
    await enter(a, 'late');
    await enter(b, 'late');
    await a.next('video:user-joined');
    await nodes[0]!.kill('SIGTERM'); // parked in Redis: only the expiry can announce it
    const left = await b.next('video:user-left', 20_000);
    assert.equal(left.socketId, a.id);
    await proxy.close();
    const late = await connect('socket.io', nodes[1]!.url, {
      resume: a.welcome.resumeToken,
      received: receivedCount(a),
    });
    peers.push(late);
    assert.equal(late.welcome.resumed, false);
    assert.notEqual(late.id, a.id);
    assert.equal((await late.next('error')).code, 'resume-failed');
    await beatAgain(); // the next expiry pass: nothing left to announce
    await b.events.noneBefore(chatsFrom([b], 'late')(b), ['video:user-left']);
    nodes[0] = await addNode();
  });

  it('refuses a forged token without disturbing the parked peer', async () => {
    const { peer: a, proxy } = await behindProxy(0, 'websocket');
    const b = await on(1);
    await enter(a, 'forged');
    await enter(b, 'forged');
    await a.next('video:user-joined');
    await proxy.cut();
    const forged = await connect('socket.io', nodes[1]!.url, {
      resume: `${a.id}.${'A'.repeat(32)}`,
    });
    peers.push(forged);
    assert.equal(forged.welcome.resumed, false);
    assert.equal((await forged.next('error')).code, 'resume-failed');
    sendWhileAway(b, a, 'forged');
    const resumed = await connect('websocket', nodes[1]!.url, {
      resume: a.welcome.resumeToken,
      received: receivedCount(a),
    });
    peers.push(resumed);
    await assertResumed(resumed, a, b);
  });
});
