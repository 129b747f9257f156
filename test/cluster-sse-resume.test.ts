import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { useCluster } from './helpers/cluster.js';
import { assertReplayed, openSse, sendWhileAway, type SsePeer } from './helpers/sse.js';

const churn = ['video:user-left', 'video:user-joined'];

// Two real processes on one Redis: an SSE stream dropped on one comes back on the other.
describe('SSE resume on another process (REDIS_URL)', () => {
  const { nodes, on } = useCluster(2, { env: { RESUME_WINDOW_MS: '6000' } });
  const streams: SsePeer[] = [];
  after(() => streams.forEach((s) => s.abort()));
  const sse = async (url: string, options: Parameters<typeof openSse>[1]) => {
    const peer = await openSse(url, options);
    streams.push(peer);
    return peer;
  };

  it('keeps its connection id, peer id and rooms, and gets what it missed once, in order', async () => {
    const roomId = 'sse-move';
    const a = await sse(nodes[0]!.url, { query: { userId: 'sse-mover' } });
    const b = await on(1);
    b.emit('video:join-room', { roomId });
    await b.next('video:room-state');
    const joined = await a.post(`/api/video/rooms/${roomId}/join`, { connectionId: a.id });
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    await b.next('video:user-joined', 10_000);
    await a.next('video:room-state');
    const last = a.lastEventId!;
    a.abort();

    await sendWhileAway(b, a.peerId, roomId); // kept by the engine on the first process

    const back = await sse(nodes[1]!.url, { lastEventId: last });
    assert.equal(back.resumed, true, JSON.stringify(back.log));
    assert.equal(back.id, a.id, 'the same private connection id');
    assert.equal(back.peerId, a.peerId, 'the same peer id');
    await assertReplayed(back, last, b);

    // Still in its room, from its new process: its REST calls work and b heard no leave.
    const chat = await back.post(`/api/video/rooms/${roomId}/messages`, {
      connectionId: back.id,
      message: 'moved',
    });
    assert.equal(chat.status, 200, JSON.stringify(chat.body));
    const heard = b.next('chat:video-message-received', 10_000);
    await b.events.noneBefore(heard, churn);
    assert.equal((await heard).socketId, a.peerId);
    // A newcomer on the first process sees it in the room, once.
    const c = await on(0);
    c.emit('video:join-room', { roomId });
    const state = await c.next('video:room-state', 10_000);
    const ids = (state.participants as Array<{ socketId: string }>).map((p) => p.socketId);
    assert.deepEqual(ids.sort(), [a.peerId, b.id].sort());
  });
});
