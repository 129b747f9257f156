import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { storeApi } from '../src/api/extension.js';
import type { StoreOptions } from '../src/store/store.js';
import { connectSocketIo, type TestPeer } from './helpers/clients.js';
import { dropSchema, postgresUrl, uniqueSchema } from './helpers/pg.js';
import { startServer, type TestServer } from './helpers/server.js';
import { request } from './helpers/sse.js';
import { SECRET, hsToken } from './helpers/tokens.js';
import { until } from './helpers/wait.js';

const ADMIN_TOKEN = 'event-log-admin-token-0123456789';

interface LogRow {
  type: string;
  userId: string | null;
  peerId: string | null;
  roomId: string | null;
  details: Record<string, unknown> | null;
}

const pgliteDir = mkdtempSync(join(tmpdir(), 'sinyal-log-who-'));
const schema = uniqueSchema('logwho');
const backends: Array<{ name: string; store: StoreOptions; cleanup(): Promise<void> }> = [
  {
    name: 'PGlite',
    store: { dataDir: pgliteDir },
    cleanup: async () => rmSync(pgliteDir, { recursive: true, force: true }),
  },
  {
    name: 'PostgreSQL',
    store: { databaseUrl: postgresUrl, pgSchema: schema },
    cleanup: () => dropSchema(schema),
  },
];

for (const backend of backends) {
  describe(`the event log says who and what (${backend.name})`, () => {
    let srv: TestServer;
    const peers: TestPeer[] = [];
    const asAdmin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const api = (method: string, path: string, body?: unknown, headers = asAdmin) =>
      request(srv.url, method, path, body, headers);
    /** A person with a random-looking user id, as apps issue them. */
    const person = async (userId: string, name: string) => {
      const token = await hsToken({ sub: userId, claims: { name } });
      const peer = await connectSocketIo(srv.url, { token });
      peers.push(peer);
      return peer;
    };
    /** The rows matching `query` once `ready` holds for them (history lands in batches). */
    const logsOnce = async (query: string, ready: (rows: LogRow[]) => boolean) => {
      let rows: LogRow[] = [];
      await until(`logs ?${query}`, async () => {
        rows = (await api('GET', `/api/logs?${query}`)).body.logs;
        return ready(rows);
      });
      return rows;
    };

    before(async () => {
      srv = await startServer({
        jwtSecret: SECRET,
        adminToken: ADMIN_TOKEN,
        extensions: [storeApi({ store: { ...backend.store, writer: { flushInterval: 20 } } })],
      });
    });
    after(async () => {
      await Promise.all(peers.map((p) => p.close()));
      await srv.close();
      await backend.cleanup();
    });

    it('names the person of every row, not only their user id', async () => {
      const ada = await person('u-7f3a9c', 'Ada Lovelace');
      ada.emit('video:join-room', { roomId: 'standup' });
      await ada.next('video:room-state');
      ada.emit('video:toggle-audio', { roomId: 'standup', isMuted: true });
      ada.emit('video:leave-room', { roomId: 'standup' });
      const rows = await logsOnce('userId=u-7f3a9c', (rows) =>
        ['connect', 'join', 'leave'].every((t) => rows.some((r) => r.type === t)),
      );
      for (const row of rows) {
        assert.equal(row.details?.name, 'Ada Lovelace', `${row.type}: ${JSON.stringify(row)}`);
      }
    });

    it('a broadcast row carries its text and who sent it (admin token)', async () => {
      const sent = await api('POST', '/api/broadcast', { message: 'Maintenance at noon' });
      assert.equal(sent.status, 200);
      const [row] = await logsOnce('type=admin', (rows) =>
        rows.some((r) => r.details?.messageId === sent.body.id),
      ).then((rows) => rows.filter((r) => r.details?.messageId === sent.body.id));
      assert.equal(row!.details?.action, 'broadcast');
      assert.equal(row!.details?.text, 'Maintenance at noon');
      assert.equal(row!.userId, 'admin token');

      // A body without a message is logged as its JSON, cut to a bounded length.
      const long = await api('POST', '/api/broadcast', { notes: 'x'.repeat(5000) });
      const [longRow] = await logsOnce('type=admin', (rows) =>
        rows.some((r) => r.details?.messageId === long.body.id),
      ).then((rows) => rows.filter((r) => r.details?.messageId === long.body.id));
      const text = longRow!.details?.text as string;
      assert.ok(text.startsWith('{"notes":"xxx'), text.slice(0, 40));
      assert.ok(text.length <= 500, `${text.length} characters`);
    });

    it('a kick by an admin JWT names the admin (sub) and the person kicked', async () => {
      const grace = await person('u-0b12e4', 'Grace Hopper');
      const adminJwt = await hsToken({ sub: 'ops-alice', claims: { admin: true } });
      const kicked = await api('DELETE', `/api/connections/${grace.id}`, undefined, {
        authorization: `Bearer ${adminJwt}`,
      });
      assert.equal(kicked.status, 200);
      const [row] = await logsOnce('type=admin&userId=ops-alice', (rows) =>
        rows.some((r) => r.details?.action === 'kick'),
      );
      assert.equal(row!.peerId, grace.id);
      assert.equal(row!.details?.user, 'u-0b12e4');
      assert.equal(row!.details?.name, 'Grace Hopper');
    });
  });
}
