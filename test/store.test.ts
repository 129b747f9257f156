import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { threadId } from 'node:worker_threads';
import { defaultLiveSettings } from '../src/engine/engine.js';
import type { Member, PeerInfo, User } from '../src/protocol/types.js';
import { migrationsFolder } from '../src/store/database.js';
import { Store, RoomExistsError, type StoreOptions } from '../src/store/store.js';
import { dropSchema, postgresUrl, query, uniqueSchema } from './helpers/pg.js';
import { TcpProxy } from './helpers/tcp-proxy.js';
import { until } from './helpers/wait.js';

const tables = [
  'connections',
  'event_logs',
  'messages',
  'server_settings',
  'users',
  'video_participants',
  'video_rooms',
];

interface Backend {
  name: string;
  /** Whether the database work runs on a thread of its own. */
  offThread: boolean;
  options(): StoreOptions;
  cleanup(): Promise<void>;
}

const pgliteDir = mkdtempSync(join(tmpdir(), 'sinyal-store-'));
const schema = uniqueSchema('store');
const backends: Backend[] = [
  {
    name: 'PGlite',
    offThread: true,
    options: () => ({ dataDir: pgliteDir }),
    cleanup: async () => rmSync(pgliteDir, { recursive: true, force: true }),
  },
  {
    name: 'PostgreSQL',
    offThread: false,
    options: () => ({ databaseUrl: postgresUrl, pgSchema: schema }),
    cleanup: () => dropSchema(schema),
  },
];

const t0 = new Date('2026-01-01T10:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

/** A user with a name of its own (so it gets a `users` row). */
const named = (id: string, name: string): User => ({ id, name, avatar: null });

/** A peer as the server hands it to the store on connect (the `connect` op carries a copy). */
const peerInfo = (id: string, fields: Partial<PeerInfo> = {}): PeerInfo => ({
  id,
  nodeId: 'n1',
  transport: 'websocket',
  userId: id,
  user: named(id, id),
  connectedAt: at(0).toISOString(),
  ...fields,
});

/** A room member as the server hands it to the store on join (the `join` op carries it). */
const member = (peer: PeerInfo, joinedAt: Date): Member => ({
  peerId: peer.id,
  nodeId: peer.nodeId,
  userId: peer.userId,
  user: peer.user,
  joinedAt: joinedAt.toISOString(),
  isMuted: false,
  isVideoOff: false,
  isSharingScreen: false,
});

for (const backend of backends) {
  describe(`store on ${backend.name}`, () => {
    let store: Store;
    before(async () => {
      store = await Store.open({ ...backend.options(), writer: { flushInterval: 20 } });
    });
    after(async () => {
      await store.close();
      await backend.cleanup();
    });

    it(`runs its database work ${backend.offThread ? 'in the store worker' : 'on this thread (asynchronous I/O)'}`, () => {
      if (backend.offThread) assert.notEqual(store.backend.threadId, threadId);
      else assert.equal(store.backend.threadId, threadId);
    });

    it('applies the drizzle-kit migrations: every table of reference 001 exists', async () => {
      const rows = await store.backend.queries.rawQuery(
        'select table_name from information_schema.tables where table_schema = current_schema()',
      );
      const names = rows.map((r) => r.table_name as string);
      for (const table of tables) assert.ok(names.includes(table), `missing ${table}: ${names}`);
    });

    it('writes a batch of every kind with the times the events happened', async () => {
      const w = store.writer;
      // One user seen twice in a batch (renamed in between): its users row is upserted once.
      const ada = (id: string, name: string, seconds: number) =>
        peerInfo(id, {
          transport: 'sse',
          userId: 'u1',
          user: named('u1', name),
          connectedAt: at(seconds).toISOString(),
        });
      w.push({ kind: 'connect', peer: ada('p0', 'Ada', 0) });
      const p1 = ada('p1', 'Ada L', 1);
      w.push({ kind: 'connect', peer: p1 });
      w.push({
        kind: 'join',
        nodeId: 'n1',
        room: { kind: 'mesh', id: 'r1' },
        member: member(p1, at(1)),
      });
      w.push({ kind: 'participant-media', roomId: 'r1', peerId: 'p1', change: { isMuted: true } });
      w.push({
        kind: 'message',
        row: {
          id: 'm1',
          kind: 'chat',
          roomId: 'r1',
          userId: 'u1',
          body: { message: 'hi' },
          createdAt: at(2),
        },
      });
      w.push({ kind: 'participant-leave', roomId: 'r1', peerId: 'p1', at: at(3) });
      w.push({ kind: 'connection-close', id: 'p1', at: at(4), reason: 'bye' });
      for (let i = 0; i < 5; i++) {
        w.push({
          kind: 'log',
          row: {
            type: i % 2 ? 'join' : 'leave',
            roomId: `r${i % 2}`,
            peerId: 'p1',
            createdAt: at(i),
          },
        });
      }
      await w.flush();
      const exec = (text: string) => store.backend.queries.rawQuery(text);
      const [user] = await exec(`select name, last_seen_at from users where id = 'u1'`);
      assert.equal(user!.name, 'Ada L');
      const [conn] = await exec(`select closed_at, close_reason from connections where id = 'p1'`);
      assert.equal(new Date(conn!.closed_at as string).toISOString(), at(4).toISOString());
      assert.equal(conn!.close_reason, 'bye');
      const [part] = await exec(
        `select is_muted, media_changes, left_at from video_participants where peer_id = 'p1'`,
      );
      assert.equal(part!.is_muted, true);
      assert.equal(part!.media_changes, 1);
      assert.equal(new Date(part!.left_at as string).toISOString(), at(3).toISOString());
      const [msg] = await exec(`select body from messages where id = 'm1'`);
      assert.deepEqual(msg!.body, { message: 'hi' });
      const opsLogs = await store.logs({ userId: 'u1', limit: 10, offset: 0 });
      assert.deepEqual(
        opsLogs.logs.map((l) => [l.type, l.peerId, l.roomId, l.createdAt.toISOString()]).sort(),
        [
          ['connect', 'p0', null, at(0).toISOString()],
          ['connect', 'p1', null, at(1).toISOString()],
          ['join', 'p1', 'r1', at(1).toISOString()],
        ],
      );
      assert.equal(store.writer.stats().buffered, 0);
      // The next test counts the five rows of the `log` ops alone.
      assert.equal(await store.clearLogs({ userId: 'u1' }), 3);
    });

    it('filters the event log by type, room and time, newest first, paginated', async () => {
      const all = await store.logs({ limit: 2, offset: 0 });
      assert.equal(all.total, 5);
      assert.equal(all.logs.length, 2);
      assert.equal(all.logs[0]!.createdAt.toISOString(), at(4).toISOString());
      const page2 = await store.logs({ limit: 2, offset: 2 });
      assert.equal(page2.logs[0]!.createdAt.toISOString(), at(2).toISOString());
      const joins = await store.logs({ type: 'join', limit: 50, offset: 0 });
      assert.equal(joins.total, 2);
      assert.ok(joins.logs.every((l) => l.type === 'join' && l.roomId === 'r1'));
      const window = await store.logs({ since: at(1), until: at(3), limit: 50, offset: 0 });
      assert.deepEqual(
        window.logs.map((l) => l.createdAt.getTime()),
        [at(3), at(2), at(1)].map((d) => d.getTime()),
      );
      assert.equal(await store.clearLogs({ roomId: 'r0' }), 3);
      assert.equal((await store.logs({ limit: 50, offset: 0 })).total, 2);
    });

    it('isolates a row the database refuses; the rest of the batch lands', async () => {
      const before = store.writer.stats();
      store.writer.push({ kind: 'log', row: { type: 'ok-1', createdAt: at(10) } });
      store.writer.push({ kind: 'log', row: { type: null as never, createdAt: at(11) } });
      store.writer.push({ kind: 'log', row: { type: 'ok-2', createdAt: at(12) } });
      await store.writer.flush();
      const after = store.writer.stats();
      assert.equal(after.failed - before.failed, 1);
      assert.equal(after.written - before.written, 2);
      assert.equal((await store.logs({ type: 'ok-2', limit: 5, offset: 0 })).total, 1);
    });

    it('refuses a row with a NUL character alone (rows travel as one JSON parameter)', async () => {
      const before = store.writer.stats();
      const nul = 'a\u0000b';
      store.writer.push({ kind: 'log', row: { type: 'nul-ok-1', createdAt: at(20) } });
      store.writer.push({
        kind: 'log',
        row: { type: 'nul-bad', details: { nul }, createdAt: at(21) },
      });
      store.writer.push({
        kind: 'connect',
        peer: peerInfo('nul-peer', {
          userId: 'nul-user',
          user: named('nul-user', nul),
          connectedAt: at(22).toISOString(),
        }),
      });
      store.writer.push({
        kind: 'log',
        row: { type: 'nul-ok-2', details: { quote: '"\\' }, createdAt: at(23) },
      });
      await store.writer.flush();
      const after = store.writer.stats();
      assert.equal(after.failed - before.failed, 2);
      assert.equal(after.written - before.written, 2);
      const [ok] = (await store.logs({ type: 'nul-ok-2', limit: 5, offset: 0 })).logs;
      assert.deepEqual(ok!.details, { quote: '"\\' });
      assert.equal((await store.logs({ type: 'nul-bad', limit: 5, offset: 0 })).total, 0);
    });

    it('keeps persistent rooms (capacity read synchronously) and settings across a restart', async () => {
      await store.createRoom({
        roomId: 'standup',
        name: 'Standup',
        hostId: 'u1',
        maxParticipants: 3,
      });
      await assert.rejects(
        store.createRoom({ roomId: 'standup', name: 'Again', hostId: 'u2', maxParticipants: 9 }),
        RoomExistsError,
      );
      assert.equal(store.roomCapacity('standup'), 3);
      assert.equal(store.roomCapacity('other'), undefined);
      await store.saveSetting('max_connections', '42', 'limit');
      await store.saveSetting('max_connections', '43');
      await store.saveSetting('default_room_capacity', 'not-a-number');
      await store.close();

      store = await Store.open({ ...backend.options(), writer: { flushInterval: 20 } });
      assert.equal(store.roomCapacity('standup'), 3);
      const [setting] = (await store.settings()).filter((s) => s.key === 'max_connections');
      assert.equal(setting!.value, '43');
      assert.equal(setting!.description, 'limit');
      const live = { ...defaultLiveSettings };
      await store.applySettings(live);
      assert.equal(live.maxConnections, 43);
      // An invalid stored value is ignored rather than applied.
      assert.equal(live.meshRoomCapacity, defaultLiveSettings.meshRoomCapacity);
    });

    it('writes a burst of more than a batch per interval back to back, dropping nothing', async () => {
      await store.close();
      // One batch of 100 per 2 s interval would take 20 s for these 1,000 rows.
      store = await Store.open({
        ...backend.options(),
        writer: { flushInterval: 2000, batchSize: 100 },
      });
      for (let i = 0; i < 1000; i++) {
        store.writer.push({
          kind: 'log',
          row: { type: 'storm', details: { i }, createdAt: at(i) },
        });
      }
      const started = Date.now();
      const storm = () => store.logs({ type: 'storm', limit: 1, offset: 0 });
      await until('the storm landed', async () => (await storm()).total >= 1000, 10_000, 100);
      assert.equal((await storm()).total, 1000);
      assert.ok(Date.now() - started < 4500, `took ${Date.now() - started} ms`);
      assert.equal(store.writer.stats().dropped, 0);
    });

    it('writes a disconnect storm as the connections one by one would: the last close of an id wins', async () => {
      const w = store.writer;
      const ids = ['s1', 's2', 's3'];
      const who = (id: string) => ({
        peerId: id,
        userId: `u-${id}`,
        user: named(`u-${id}`, `N ${id}`),
      });
      const peers = ids.map((id) => peerInfo(id, { userId: `u-${id}`, user: who(id).user }));
      for (const peer of peers) w.push({ kind: 'connect', peer });
      const mesh = { kind: 'mesh' as const, id: 'storm-room' };
      w.push({ kind: 'join', nodeId: 'n1', room: mesh, member: member(peers[0]!, at(0)) });
      w.push({
        kind: 'leave',
        nodeId: 'n1',
        room: mesh,
        who: who('s1'),
        at: at(5),
        reason: undefined,
      });
      w.push({ kind: 'connection-close', id: 's3', at: at(6), reason: 'first' });
      for (const [i, id] of ids.entries()) {
        w.push({
          kind: 'disconnect',
          nodeId: 'n1',
          who: who(id),
          at: at(7 + i),
          reason: `r-${id}`,
        });
      }
      await w.flush();
      const exec = (text: string) => store.backend.queries.rawQuery(text);
      const closed = await exec(
        `select id, closed_at, close_reason from connections where id in ('s1', 's2', 's3') order by id`,
      );
      assert.deepEqual(
        closed.map((r) => [r.id, new Date(r.closed_at as string).toISOString(), r.close_reason]),
        ids.map((id, i) => [id, at(7 + i).toISOString(), `r-${id}`]),
      );
      const [part] = await exec(
        `select left_at from video_participants where room_id = 'storm-room'`,
      );
      assert.equal(new Date(part!.left_at as string).toISOString(), at(5).toISOString());
      const rows = await exec(
        `select type, room_id, peer_id, user_id, node_id, details from event_logs
          where peer_id in ('s1', 's2', 's3') and type in ('leave', 'disconnect') order by created_at`,
      );
      assert.deepEqual(rows, [
        {
          type: 'leave',
          room_id: 'storm-room',
          peer_id: 's1',
          user_id: 'u-s1',
          node_id: 'n1',
          details: { name: 'N s1', kind: 'mesh' },
        },
        ...ids.map((id) => ({
          type: 'disconnect',
          room_id: null,
          peer_id: id,
          user_id: `u-${id}`,
          node_id: 'n1',
          details: { name: `N ${id}`, reason: `r-${id}` },
        })),
      ]);
    });

    it('ends what a dead cluster node, then a killed server, left open, as a clean stop would', async () => {
      const w = store.writer;
      const open = (id: string, nodeId: string) =>
        w.push({
          kind: 'connect',
          peer: peerInfo(id, { nodeId, connectedAt: at(5000).toISOString() }),
        });
      open('dead-1', 'n-dead');
      open('alive-1', 'n-alive');
      open('killed-1', 'n-killed');
      w.push({
        kind: 'log',
        row: {
          type: 'join',
          roomId: 'kr',
          peerId: 'killed-1',
          details: { kind: 'pair' },
          createdAt: at(5001),
        },
      });
      w.push({ kind: 'node-gone', nodeId: 'n-dead', at: at(5002) });
      await w.flush();
      const row = async (id: string) =>
        (
          await store.backend.queries.rawQuery(
            `select closed_at, close_reason from connections where id = '${id}'`,
          )
        )[0]!;
      const logs = async (peerId: string) =>
        (await store.logs({ peerId, limit: 10, offset: 0 })).logs.map((l) => [l.type, l.details]);
      // The dead node's connection only, at the time it was removed, with its disconnect.
      assert.equal(
        new Date((await row('dead-1')).closed_at as string).getTime(),
        at(5002).getTime(),
      );
      const connected = (name: string) => ['connect', { name, transport: 'websocket' }];
      assert.deepEqual(await logs('dead-1'), [
        ['disconnect', { reason: 'unclean-shutdown' }],
        connected('dead-1'),
      ]);
      assert.equal((await row('alive-1')).closed_at, null);
      assert.equal((await row('killed-1')).closed_at, null);

      // A start after a kill ends everything still open, the room it joined included.
      const ended = await store.backend.queries.endUnclosed();
      assert.ok(ended.connections >= 2 && ended.memberships >= 1, JSON.stringify(ended));
      assert.equal((await row('killed-1')).close_reason, 'unclean-shutdown');
      assert.deepEqual(await logs('killed-1'), [
        ['disconnect', { reason: 'unclean-shutdown' }],
        ['leave', { kind: 'pair', reason: 'unclean-shutdown' }],
        ['join', { kind: 'pair' }],
        connected('killed-1'),
      ]);
      assert.deepEqual(await store.backend.queries.endUnclosed(), {
        connections: 0,
        memberships: 0,
        webhooks: 0, // no webhook endpoint is configured
      });
    });
  });
}

describe('batch writer while PostgreSQL is unreachable', () => {
  const outageSchema = uniqueSchema('outage');
  const proxy = new TcpProxy('127.0.0.1', Number(new URL(postgresUrl).port || 5432));
  let store: Store;
  let table: string;

  before(async () => {
    await proxy.start();
    const url = new URL(postgresUrl);
    url.host = `127.0.0.1:${proxy.port}`;
    store = await Store.open({
      databaseUrl: url.toString(),
      pgSchema: outageSchema,
      writer: { flushInterval: 20, maxRetryDelay: 100, maxBuffered: 10 },
    });
    table = `"${outageSchema}".event_logs`;
  });
  after(async () => {
    await store.close();
    await proxy.close();
    await dropSchema(outageSchema);
  });

  it('buffers up to its bound, counts what it drops, and writes the rest when it returns', async () => {
    await proxy.cut();
    for (let i = 0; i < 14; i++) {
      store.writer.push({ kind: 'log', row: { type: 'outage', details: { i }, createdAt: at(i) } });
    }
    await assert.rejects(store.writer.flush(), /database unavailable/);
    const down = store.writer.stats();
    assert.equal(down.databaseUp, false);
    assert.equal(down.buffered, 10);
    assert.equal(down.dropped, 4);
    assert.equal(store.health().ok, false);
    assert.match(store.health().detail, /10 buffered, 4 dropped/);

    await proxy.restore();
    await until('the buffer drains', () => store.writer.stats().buffered === 0);
    const rows = await query<{ i: number }>(
      `select (details->>'i')::int as i from ${table} where type = 'outage' order by created_at`,
    );
    assert.deepEqual(
      rows.map((r) => r.i),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.equal(store.writer.stats().databaseUp, true);
    assert.equal(store.health().ok, true);
  });
});

describe('migrations on PostgreSQL', () => {
  const fresh = uniqueSchema('migrate');
  after(() => dropSchema(fresh));

  it('are applied once when several processes start together on an empty database', async () => {
    const options = { databaseUrl: postgresUrl, pgSchema: fresh };
    const stores = await Promise.all([1, 2, 3].map(() => Store.open(options)));
    await Promise.all(stores.map((s) => s.close()));
    const applied = await query(`select * from "${fresh}".__drizzle_migrations`);
    const journal = JSON.parse(
      readFileSync(join(migrationsFolder(), 'meta', '_journal.json'), 'utf8'),
    );
    assert.equal(applied.length, journal.entries.length, 'each migration once');
  });
});
