import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { connect, connectSocketIo, Recorder, type TestPeer } from './helpers/clients.js';
import { redisUrl, useCluster, type NodeProcess } from './helpers/cluster.js';
import { until } from './helpers/wait.js';

const sdp = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
const candidate = (n: number) => ({
  candidate: `candidate:${n} 1 udp 2122260223 10.0.0.1 ${50000 + n} typ host`,
  sdpMid: '0',
  sdpMLineIndex: 0,
});

/** A minimal SSE peer (PROTOCOLS.md §3): the stream from one process, REST calls to the same. */
async function openSse(url: string) {
  const controller = new AbortController();
  const response = await fetch(`${url}/api/events`, {
    headers: { Accept: 'text/event-stream' },
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  const events = new Recorder();
  void (async () => {
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of response.body!) {
      text += decoder.decode(chunk as Uint8Array, { stream: true });
      for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
        const block = text.slice(0, end).split('\n');
        text = text.slice(end + 2);
        const field = (name: string) =>
          block.filter((l) => l.startsWith(`${name}:`)).map((l) => l.slice(name.length + 1).trim());
        const [event] = field('event');
        if (event) events.push(event, JSON.parse(field('data').join('\n')));
      }
    }
  })().catch(() => {});
  const { connectionId, connectionToken, peerId } = await events.next('connected');
  const post = async (path: string, body: object) => {
    const res = await fetch(`${url}/api${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Connection-Token': connectionToken },
      body: JSON.stringify({ connectionId, ...body }),
    });
    return { status: res.status, body: await res.json() };
  };
  // `id` as other peers see it; REST calls name the private connectionId.
  return { id: peerId as string, events, post, close: () => controller.abort() };
}

/** Waits (up to 5 s) until a process's `/metrics` lists `study:x-study` with `size` members. */
async function studySize(node: NodeProcess, size: number): Promise<void> {
  await until(
    `study:x-study has ${size} members`,
    async () => {
      const metrics = await (await fetch(`${node.url}/metrics`)).json();
      const study = metrics.roomDetails.find((r: { name: string }) => r.name === 'study:x-study');
      return study?.participants === size;
    },
    5000,
  );
}

// Three real processes on one Redis (REDIS_URL or 127.0.0.1:6379), under a prefix of their own.
describe('three processes on one Redis', () => {
  const { nodes, peers, on, prefix } = useCluster(3);

  it('completes a reference-000 pair call whose peers sit on different processes', async () => {
    const a = await on(0, 'socket.io');
    const b = await on(1, 'websocket');
    a.emit('join-room', { roomId: 'x-pair' });
    assert.deepEqual(await a.next('joined'), { roomId: 'x-pair', members: [a.id] });
    b.emit('join-room', { roomId: 'x-pair' });
    assert.deepEqual(await b.next('joined'), { roomId: 'x-pair', members: [a.id, b.id] });
    const readyA = await a.next('ready');
    assert.deepEqual(readyA, {
      roomId: 'x-pair',
      initiatorId: a.id,
      role: 'caller',
      partnerId: b.id,
      members: [a.id, b.id],
    });
    assert.deepEqual(await b.next('ready'), { ...readyA, role: 'callee', partnerId: a.id });

    a.emit('offer', { roomId: 'x-pair', sdp, from: 'forged' });
    assert.deepEqual(await b.next('offer-received'), { roomId: 'x-pair', sdp, from: a.id });
    const answer = { ...sdp, type: 'answer' };
    b.emit('answer', { roomId: 'x-pair', sdp: answer });
    assert.deepEqual(await a.next('answer-received'), {
      roomId: 'x-pair',
      sdp: answer,
      from: b.id,
    });
    // Candidates cross in both directions and keep their order.
    for (let n = 0; n < 30; n++) {
      a.emit('ice-candidate', { roomId: 'x-pair', candidate: candidate(n) });
      b.emit('ice-candidate', { roomId: 'x-pair', candidate: candidate(100 + n) });
    }
    for (let n = 0; n < 30; n++) {
      assert.deepEqual((await b.next('ice-candidate-received')).candidate, candidate(n));
      assert.deepEqual((await a.next('ice-candidate-received')).candidate, candidate(100 + n));
    }
    b.emit('leave-room', { roomId: 'x-pair' });
    assert.deepEqual(await a.next('peer-left'), { roomId: 'x-pair', socketId: b.id });
  });

  it('runs a reference-004 mesh room spread over three processes', async () => {
    const room = 'x-mesh';
    const a = await on(0);
    const b = await on(1, 'websocket');
    const c = await on(2);
    a.emit('video:join-room', { roomId: room });
    assert.deepEqual((await a.next('video:room-state')).participants, []);
    b.emit('video:join-room', { roomId: room });
    const stateB = await b.next('video:room-state');
    assert.deepEqual(
      stateB.participants.map((p: { socketId: string }) => p.socketId),
      [a.id],
    );
    assert.equal((await a.next('video:user-joined')).socketId, b.id);
    a.emit('video:toggle-audio', { roomId: room, isMuted: true });
    assert.deepEqual(await b.next('video:peer-audio-changed'), {
      socketId: a.id,
      userId: stateB.participants[0].userId,
      isMuted: true,
    });
    c.emit('video:join-room', { roomId: room });
    const stateC = await c.next('video:room-state');
    assert.deepEqual(
      stateC.participants.map((p: { socketId: string; isMuted: boolean }) => [
        p.socketId,
        p.isMuted,
      ]),
      [
        [a.id, true],
        [b.id, false],
      ],
    );
    assert.equal((await a.next('video:user-joined')).socketId, c.id);
    assert.equal((await b.next('video:user-joined')).socketId, c.id);

    // Directed signals between every pair of processes.
    c.emit('video:offer', { to: a.id, offer: sdp });
    assert.deepEqual(await a.next('video:offer'), { from: c.id, offer: sdp });
    a.emit('video:answer', { to: c.id, answer: { ...sdp, type: 'answer' } });
    assert.equal((await c.next('video:answer')).from, a.id);
    b.emit('video:ice-candidate', { to: c.id, candidate: candidate(1) });
    assert.deepEqual(await c.next('video:ice-candidate'), { from: b.id, candidate: candidate(1) });

    // Media state and chat reach everyone; the media state is shared for later joiners.
    b.emit('video:toggle-video', { roomId: room, isVideoOff: true });
    for (const peer of [a, c]) {
      const changed = await peer.next('video:peer-video-changed');
      assert.deepEqual([changed.socketId, changed.isVideoOff], [b.id, true]);
    }
    c.emit('chat:video-message', { roomId: room, message: 'hello from node 2' });
    for (const peer of [a, b, c]) {
      assert.equal((await peer.next('chat:video-message-received')).message, 'hello from node 2');
    }
    const d = await on(0, 'websocket');
    d.emit('video:join-room', { roomId: room });
    const stateD = await d.next('video:room-state');
    const byId = new Map(
      stateD.participants.map((p: { socketId: string }) => [p.socketId, p] as const),
    );
    assert.deepEqual([...byId.keys()], [a.id, b.id, c.id]);
    assert.equal((byId.get(a.id) as { isMuted: boolean }).isMuted, true);
    assert.equal((byId.get(b.id) as { isVideoOff: boolean }).isVideoOff, true);

    b.emit('video:leave-room', { roomId: room });
    for (const peer of [a, c, d]) {
      assert.equal((await peer.next('video:user-left')).socketId, b.id);
    }
    b.emit('video:join-room', { roomId: room }); // reaches c after a second leave would have
    await c.events.noneBefore(c.next('video:user-joined', 10_000), ['video:user-left']);
  });

  it('admits exactly 2 of 50 concurrent joins to one pair room across processes', async () => {
    const crowd = await Promise.all(
      Array.from({ length: 50 }, (_, i) => connectSocketIo(nodes[i % 3]!.url)),
    );
    peers.push(...crowd);
    for (const peer of crowd) peer.emit('join-room', { roomId: 'x-crowded' });
    const outcomes = await Promise.all(
      crowd.map((peer) =>
        Promise.race([
          peer.next('joined', 10000).then(() => 'joined'),
          peer.next('room-full', 10000).then(() => 'full'),
        ]),
      ),
    );
    assert.equal(outcomes.filter((o) => o === 'joined').length, 2);
    assert.equal(outcomes.filter((o) => o === 'full').length, 48);
    const admitted = crowd.filter((_, i) => outcomes[i] === 'joined');
    // The two admitted ones are paired, wherever they are.
    const [first, second] = admitted as [TestPeer, TestPeer];
    const ready = await first.next('ready');
    assert.deepEqual(new Set(ready.members), new Set([first.id, second.id]));
    assert.deepEqual((await second.next('ready')).members, ready.members);
  });

  it('lets concurrent mesh joins on different processes learn about each other', async () => {
    for (let round = 0; round < 5; round++) {
      const room = `x-race-${round}`;
      const a = await on(round % 3);
      const b = await on((round + 1) % 3);
      a.emit('video:join-room', { roomId: room });
      b.emit('video:join-room', { roomId: room });
      const [stateA, stateB] = await Promise.all([
        a.next('video:room-state'),
        b.next('video:room-state'),
      ]);
      const sawB = stateA.participants.some((p: { socketId: string }) => p.socketId === b.id);
      const sawA = stateB.participants.some((p: { socketId: string }) => p.socketId === a.id);
      // Exactly one joined first; the other found it in room-state and announced itself.
      assert.notEqual(sawA, sawB);
      const [early, late] = sawA ? [a, b] : [b, a];
      assert.equal((await early.next('video:user-joined')).socketId, late.id);
    }
  });

  it('shares presence and broadcasts across processes', async () => {
    const a = await connect('socket.io', nodes[0]!.url, { userId: 'ana' });
    const b = await connect('websocket', nodes[1]!.url, { userId: 'ben' });
    const b2 = await connect('socket.io', nodes[2]!.url, { userId: 'ben' });
    peers.push(a, b, b2);
    a.emit('presence:join-study', { studyId: 'x-study' });
    // Joining a study has no answer: wait until the cluster lists it before ben comes.
    await studySize(nodes[1]!, 1);
    b.emit('presence:join-study', { studyId: 'x-study' });
    assert.equal((await a.next('presence:user-online')).userId, 'ben');
    // Ben's second connection, on a third process: he is online already, nobody is told.
    b2.emit('presence:join-study', { studyId: 'x-study' });
    await studySize(nodes[0]!, 3);
    // Markers: b2 (node 2), then a peer of node 1, join a mesh room of a's; each join reaches a
    // after what its process had told a before.
    a.emit('video:join-room', { roomId: 'x-marker' });
    await a.next('video:room-state');
    b2.emit('video:join-room', { roomId: 'x-marker' });
    await a.events.noneBefore(a.next('video:user-joined', 10_000), ['presence:user-online']);
    await b.close();
    await studySize(nodes[1]!, 2);
    (await on(1)).emit('video:join-room', { roomId: 'x-marker' });
    await a.events.noneBefore(a.next('video:user-joined', 10_000), ['presence:user-offline']);
    await b2.close();
    assert.deepEqual(await a.next('presence:user-offline'), { studyId: 'x-study', userId: 'ben' });

    const sent = await fetch(`${nodes[2]!.url}/api/broadcast`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ notice: 'maintenance at noon' }),
    });
    assert.equal(sent.status, 200);
    assert.deepEqual(await a.next('broadcast'), { notice: 'maintenance at noon' });
    peers.splice(peers.indexOf(b), 1);
    peers.splice(peers.indexOf(b2), 1);
  });

  it('shows the whole cluster in /health and /metrics of any process', async () => {
    const a = await on(0);
    const b = await on(2, 'websocket');
    a.emit('video:join-room', { roomId: 'x-listed' });
    await a.next('video:room-state');
    b.emit('join-room', { roomId: 'x-listed-pair' });
    await b.next('joined');
    // Node counts come with heartbeats (every second by default).
    let health = { status: '', nodes: 0, connections: 0 };
    await until('the node counts 3', async () => {
      health = await (await fetch(`${nodes[1]!.url}/health`)).json();
      return health.nodes === 3;
    });
    assert.equal(health.status, 'ok');
    assert.equal(health.nodes, 3);
    assert.equal(health.connections, peers.length);
    const metrics = await (await fetch(`${nodes[1]!.url}/metrics`)).json();
    const names = metrics.roomDetails.map((r: { name: string }) => r.name);
    assert.ok(names.includes('video:x-listed'), names.join(','));
    assert.ok(names.includes('pair:x-listed-pair'), names.join(','));
    assert.equal(metrics.connections, health.connections);
    // The REST lists of reference 001 too, with the process of each peer.
    const listed = await (await fetch(`${nodes[1]!.url}/api/connections`)).json();
    assert.equal(listed.total, peers.length);
    const nodeOf = new Map(
      listed.connections.map((c: { id: string; nodeId: string }) => [c.id, c.nodeId]),
    );
    const ids = await Promise.all(
      nodes.map(async (n) => (await (await fetch(`${n.url}/health`)).json()).nodeId),
    );
    assert.equal(nodeOf.get(a.id), ids[0]);
    assert.equal(nodeOf.get(b.id), ids[2]);
    const rooms = await (await fetch(`${nodes[1]!.url}/api/video/rooms`)).json();
    assert.ok(
      rooms.rooms.some((r: { roomId?: string; id?: string }) => (r.roomId ?? r.id) === 'x-listed'),
      JSON.stringify(rooms),
    );
    // An admin kick on one process disconnects a peer of another.
    const kicked = await fetch(`${nodes[1]!.url}/api/connections/${b.id}`, { method: 'DELETE' });
    assert.equal(kicked.status, 200);
    await b.next('close', 5000);
  });

  it('lets an SSE peer on one process and a Socket.IO peer on another call each other', async () => {
    const sse = await openSse(nodes[0]!.url);
    const io = await on(1);
    try {
      io.emit('video:join-room', { roomId: 'x-sse' });
      await io.next('video:room-state');
      const joined = await sse.post('/video/rooms/x-sse/join', {});
      assert.equal(joined.status, 200, JSON.stringify(joined.body));
      assert.deepEqual(
        joined.body.participants.map((p: { socketId: string }) => p.socketId),
        [io.id],
      );
      assert.equal((await io.next('video:user-joined')).socketId, sse.id);
      io.emit('video:offer', { to: sse.id, offer: sdp });
      assert.deepEqual(await sse.events.next('video:offer'), { from: io.id, offer: sdp });
      const answer = { ...sdp, type: 'answer' };
      const sent = await sse.post('/webrtc/signal', { to: io.id, type: 'answer', data: answer });
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
      assert.deepEqual(await io.next('video:answer'), { from: sse.id, answer });
      await sse.post('/webrtc/signal', { to: io.id, type: 'ice-candidate', data: candidate(7) });
      assert.deepEqual(await io.next('video:ice-candidate'), {
        from: sse.id,
        candidate: candidate(7),
      });
      io.emit('video:ice-candidate', { to: sse.id, candidate: candidate(8) });
      assert.deepEqual(await sse.events.next('video:ice-candidate'), {
        from: io.id,
        candidate: candidate(8),
      });
      assert.equal((await sse.post('/video/rooms/x-sse/leave', {})).status, 200);
      assert.equal((await io.next('video:user-left')).socketId, sse.id);
    } finally {
      sse.close();
    }
  });

  it('drops node messages with an unknown event, and PeerJS frames for other transports', async () => {
    const a = await on(0, 'socket.io');
    const b = await on(1, 'websocket');
    const redis = new Redis(redisUrl);
    try {
      const hb = `${prefix}hb:`;
      const nodeIds = (await redis.keys(`${hb}*`)).map((key) => key.slice(hb.length));
      assert.equal(nodeIds.length, 3);
      const frame = { type: 'OFFER', src: 'someone', dst: a.id, payload: { sdp } };
      const stray = [
        { t: 'fwd', p: a.id, e: 'made-up', d: { x: 1 } },
        { t: 'fwd', p: b.id, e: 42, d: { x: 1 } },
        { t: 'fwd', p: a.id, e: 'peerjs:message', d: frame },
        { t: 'fwd', p: b.id, e: 'peerjs:message', d: { ...frame, dst: b.id } },
        { t: 'all', n: 'elsewhere', e: 'peerjs:message', d: frame },
        { t: 'all', n: 'elsewhere', e: 'made-up', d: { x: 1 } },
        { t: 'nonsense', p: a.id },
      ];
      // Published on every node's channel, then a well-formed event after them, in order.
      const publish = (message: object) =>
        Promise.all(
          nodeIds.map((id) => redis.publish(`${prefix}to:${id}`, JSON.stringify(message))),
        );
      for (const message of stray) await publish(message);
      await redis.publish(`${prefix}cluster`, JSON.stringify(stray[5]));
      await publish({ t: 'fwd', p: a.id, e: 'broadcast', d: { marker: 'a' } });
      await publish({ t: 'fwd', p: b.id, e: 'broadcast', d: { marker: 'b' } });
      const unwanted = ['made-up', 'peerjs:message', 'nonsense'];
      await a.events.noneBefore(a.next('broadcast'), unwanted);
      await b.events.noneBefore(b.next('broadcast'), unwanted);
      assert.deepEqual(
        [...a.events.all, ...b.events.all]
          .filter((r) => r.event === 'broadcast')
          .map((r) => r.data),
        [{ marker: 'a' }, { marker: 'b' }],
      );
    } finally {
      redis.disconnect();
    }
  });
});
