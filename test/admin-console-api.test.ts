import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { storeApi } from '../src/api/extension.js';
import { connectSocketIo, type TestPeer } from './helpers/clients.js';
import { startServer, type TestServer } from './helpers/server.js';
import { openSse, request } from './helpers/sse.js';
import { until } from './helpers/wait.js';

const TOKEN = 'console-api-token-0123456789';
const auth = { Authorization: `Bearer ${TOKEN}` };

/** Reads `GET /api/admin/stream` until `count` events arrived (or the time is up). */
async function readStream(url: string, count: number, headers: Record<string, string> = auth) {
  const controller = new AbortController();
  const response = await fetch(`${url}/api/admin/stream`, { headers, signal: controller.signal });
  const events: Array<{ event: string; data: any }> = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  const deadline = setTimeout(() => controller.abort(), 15_000);
  return {
    response,
    events,
    /** Collects events until `done` says so. */
    async until(done: () => boolean) {
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      try {
        while (!done() && events.length < count) {
          const { value, done: ended } = await reader.read();
          if (ended) break;
          buffer += value;
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(frame)?.[1] ?? 'message';
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (data) events.push({ event, data: JSON.parse(data) });
          }
        }
      } finally {
        clearTimeout(deadline);
        controller.abort();
      }
    },
  };
}

describe('admin dashboard API (stream, rooms, participants, settings)', () => {
  let srv: TestServer;
  const peers: TestPeer[] = [];
  const sio = async (userId: string) => {
    const peer = await connectSocketIo(srv.url, { userId });
    peers.push(peer);
    return peer;
  };
  const api = (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = auth,
  ) => request(srv.url, method, path, body, headers);
  const enter = async (peer: TestPeer, roomId: string) => {
    peer.emit('video:join-room', { roomId });
    return peer.next('video:room-state', 5000);
  };

  before(async () => {
    srv = await startServer({
      adminToken: TOKEN,
      // Given at start (as an environment variable would be): its source reads `env`.
      maxMessagesPerSecond: 150,
      extensions: [storeApi({ store: { dataDir: 'memory://' } })],
    });
  });
  after(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await srv.close();
  });

  it('refuses every dashboard route without the admin token', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/api/admin/stream'],
      ['GET', '/api/admin/rooms'],
      ['GET', '/api/admin/settings'],
      ['PATCH', '/api/video/rooms/r1', { maxParticipants: 3 }],
      ['DELETE', '/api/video/rooms/r1'],
      ['DELETE', '/api/admin/rooms/mesh/r1/participants/p1'],
    ];
    for (const [method, path, body] of routes) {
      const attempts: Array<Record<string, string>> = [
        {},
        { Authorization: 'Bearer wrong-token-wrong-token' },
      ];
      for (const headers of attempts) {
        const res = await api(method, path, body, headers);
        assert.equal(res.status, 401, `${method} ${path}`);
        assert.equal(res.body.error, 'unauthorized');
      }
    }
  });

  it('streams the last samples, then figures every second and new log rows', async () => {
    const stream = await readStream(srv.url, 50);
    assert.equal(stream.response.status, 200);
    assert.match(stream.response.headers.get('content-type') ?? '', /text\/event-stream/);
    let connected = false;
    await stream.until(() => {
      if (!connected && stream.events.some((e) => e.event === 'stats')) {
        connected = true;
        void sio('streamed-user');
      }
      return stream.events.some(
        (e) => e.event === 'log' && e.data.logs.some((l: any) => l.userId === 'streamed-user'), // eslint-disable-line @typescript-eslint/no-explicit-any
      );
    });
    const [first] = stream.events;
    assert.equal(first?.event, 'history');
    assert.equal(first?.data.interval, 1000);
    const stats = stream.events.filter((e) => e.event === 'stats').at(-1)!.data;
    for (const key of ['connections', 'rooms', 'participants', 'relayedPerSecond', 'uptime']) {
      assert.equal(typeof stats[key], 'number', key);
    }
    assert.equal(stats.store.ok, true);
    assert.deepEqual(stats.nodes, [{ id: stats.nodeId, connections: stats.connections }]);
    assert.ok(stats.connections >= 1);
    assert.equal(stats.byTransport['socket.io'], stats.connections);
  });

  it('changes and deletes persistent rooms, with clear errors', async () => {
    const created = await api('POST', '/api/video/rooms', {
      roomId: 'editable',
      name: 'Editable',
      hostId: 'h',
      maxParticipants: 4,
    });
    assert.equal(created.status, 201);
    for (const body of [{}, { maxParticipants: 1 }, { maxParticipants: 'ten' }, { name: '' }]) {
      const res = await api('PATCH', '/api/video/rooms/editable', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error, 'invalid-body');
    }
    assert.equal((await api('PATCH', '/api/video/rooms/nope', { maxParticipants: 3 })).status, 404);

    const changed = await api('PATCH', '/api/video/rooms/editable', { maxParticipants: 2 });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.maxParticipants, 2);
    const [a, b, c] = [await sio('ed-a'), await sio('ed-b'), await sio('ed-c')];
    await enter(a, 'editable');
    await enter(b, 'editable');
    c.emit('video:join-room', { roomId: 'editable' });
    assert.equal((await c.next('room-full')).roomId, 'editable');

    const rooms = (await api('GET', '/api/admin/rooms')).body.rooms;
    const room = rooms.find((r: { roomId: string }) => r.roomId === 'editable');
    assert.equal(room.persistent, true);
    assert.equal(room.maxParticipants, 2);
    assert.deepEqual(room.members.map((m: { userId: string }) => m.userId).sort(), [
      'ed-a',
      'ed-b',
    ]);

    assert.equal((await api('DELETE', '/api/video/rooms/editable')).status, 200);
    assert.equal((await api('DELETE', '/api/video/rooms/editable')).status, 404);
    // Back to an ordinary room with the default capacity: the third joiner gets in.
    await enter(c, 'editable');
    const again = await api('POST', '/api/video/rooms', {
      roomId: 'editable',
      name: 'Again',
      hostId: 'h',
      maxParticipants: 5,
    });
    assert.equal(again.status, 201, 'a deleted room id can be used again');
  });

  it('removes a participant on request; everyone, the removed one included, is told', async () => {
    const [a, b] = [await sio('rm-a'), await sio('rm-b')];
    await enter(a, 'removal');
    await enter(b, 'removal');
    const bad = await api('DELETE', `/api/admin/rooms/lobby/removal/participants/${b.id}`);
    assert.equal(bad.status, 400);
    const missing = await api('DELETE', '/api/admin/rooms/mesh/removal/participants/ghost');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error, 'not-in-room');

    const removed = await api('DELETE', `/api/admin/rooms/mesh/removal/participants/${b.id}`);
    assert.equal(removed.status, 200);
    const notice = { roomId: 'removal', socketId: b.id, userId: 'rm-b' };
    assert.deepEqual(await a.next('video:user-left'), notice);
    assert.deepEqual(await b.next('video:user-left'), notice);
    // Still connected, and free to come back.
    const state = await enter(b, 'removal');
    assert.equal(state.participants.length, 1);
  });

  it('lists live settings with their source, and a saved one applies at once', async () => {
    const read = async () => {
      const res = await api('GET', '/api/admin/settings');
      assert.equal(res.status, 200);
      return new Map<string, any>(res.body.settings.map((s: any) => [s.key, s])); // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    let settings = await read();
    assert.deepEqual([...settings.keys()].sort(), [
      'default_room_capacity',
      'max_connections',
      'max_messages_per_second',
    ]);
    assert.equal(settings.get('max_connections').source, 'default');
    assert.equal(settings.get('max_messages_per_second').source, 'env');
    assert.equal(settings.get('max_messages_per_second').value, 150);
    assert.deepEqual(
      [settings.get('default_room_capacity').min, settings.get('default_room_capacity').max],
      [2, 1000],
    );

    const refused = await api('POST', '/api/settings', { key: 'default_room_capacity', value: 1 });
    assert.equal(refused.status, 400);
    const saved = await api('POST', '/api/settings', { key: 'default_room_capacity', value: 3 });
    assert.equal(saved.status, 200);
    settings = await read();
    assert.equal(settings.get('default_room_capacity').source, 'runtime');
    assert.equal(settings.get('default_room_capacity').value, 3);
    assert.equal(srv.server.engine.settings.meshRoomCapacity, 3);
  });

  it('broadcasts to one room only, and filters logs by user', async () => {
    const [inside, outside] = [await sio('bc-in'), await sio('bc-out')];
    const sse = await openSse(srv.url, { query: { userId: 'bc-sse' } });
    try {
      await enter(inside, 'news');
      const badKind = await api('POST', '/api/broadcast?roomId=news&kind=hall', { m: 1 });
      assert.equal(badKind.status, 400);
      const sent = await api('POST', '/api/broadcast?roomId=news', { m: 'room only' });
      assert.equal(sent.status, 200);
      assert.equal(sent.body.recipients, 1);
      assert.deepEqual(await inside.next('broadcast'), { m: 'room only' });
      // A broadcast to everyone comes after the room's: it must be the first they hear.
      await api('POST', '/api/broadcast', { m: 'everyone' });
      assert.deepEqual(await outside.next('broadcast'), { m: 'everyone' });
      assert.deepEqual(await sse.next('message'), { m: 'everyone' });
    } finally {
      sse.abort();
    }
    let page = { total: 0, logs: [] as Array<{ userId: string }> };
    await until('logs for bc-in land', async () => {
      page = (await api('GET', '/api/logs?userId=bc-in')).body;
      return page.total >= 2;
    });
    assert.ok(page.logs.every((l) => l.userId === 'bc-in'));
  });
});
