import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { storeApi } from '../src/api/extension.js';
import { createAccessToken, SinyalAdmin, SinyalAdminError } from '../src/sdk/index.js';
import { connect, type TestPeer } from './helpers/clients.js';
import { startServer, type TestServer } from './helpers/server.js';
import { SECRET } from './helpers/tokens.js';
import { until } from './helpers/wait.js';

const ADMIN_TOKEN = 'sdk-admin-token-0123456789';
const refusedWith = (status: number, code: string, message?: RegExp) => (error: unknown) =>
  error instanceof SinyalAdminError &&
  error.status === status &&
  error.code === code &&
  (!message || message.test(error.message));

describe('sinyal/server SinyalAdmin against a real server', () => {
  let srv: TestServer;
  let admin: SinyalAdmin;
  const peers: TestPeer[] = [];
  const peer = async (userId: string, name = userId) => {
    const token = await createAccessToken({ userId, name, secret: SECRET });
    const p = await connect('socket.io', srv.url, { token });
    peers.push(p);
    return p;
  };

  before(async () => {
    srv = await startServer({
      adminToken: ADMIN_TOKEN,
      jwtSecret: SECRET,
      extensions: [storeApi({ store: { dataDir: 'memory://' } })],
    });
    admin = new SinyalAdmin(`${srv.url}/`, { token: ADMIN_TOKEN });
  });
  after(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await srv?.close();
  });

  it('lists connections and rooms with what createAccessToken put in the token', async () => {
    const ada = await peer('sdk-ada', 'Ada');
    ada.emit('video:join-room', { roomId: 'sdk-room' });
    await ada.next('video:room-state', 10_000);
    const { total, connections } = await admin.connections();
    const row = connections.find((c) => c.id === ada.id);
    assert.ok(total >= 1);
    assert.equal(row?.userId, 'sdk-ada');
    assert.equal(row?.user.name, 'Ada');
    assert.deepEqual(row?.rooms, ['mesh:sdk-room']);
    const room = (await admin.rooms()).find((r) => r.roomId === 'sdk-room');
    assert.equal(room?.kind, 'mesh');
    assert.deepEqual(
      room?.members.map((m) => m.peerId),
      [ada.id],
    );
  });

  it('an admin JWT minted by createAccessToken works as well as ADMIN_TOKEN', async () => {
    const token = await createAccessToken({ userId: 'ops', admin: true, ttl: 60, secret: SECRET });
    assert.ok(Array.isArray((await new SinyalAdmin(srv.url, { token }).connections()).connections));
    const user = await createAccessToken({ userId: 'not-admin', secret: SECRET });
    await assert.rejects(
      new SinyalAdmin(srv.url, { token: user }).connections(),
      refusedWith(403, 'forbidden'),
    );
  });

  it('kicks a connection and broadcasts to one room', async () => {
    const [grace, kicked] = [await peer('sdk-grace'), await peer('sdk-kicked')];
    grace.emit('video:join-room', { roomId: 'sdk-news' });
    await grace.next('video:room-state', 10_000);
    const sent = await admin.broadcast({ message: 'hello room' }, { roomId: 'sdk-news' });
    assert.equal(sent.recipients, 1);
    assert.deepEqual(await grace.next('broadcast', 10_000), { message: 'hello room' });
    assert.deepEqual(await admin.kick(kicked.id, { reason: 'sdk test' }), {
      ok: true,
      id: kicked.id,
    });
    await kicked.next('disconnect', 10_000);
    await assert.rejects(admin.kick(kicked.id), refusedWith(404, 'unknown-connection'));
  });

  it('creates, changes and deletes a persistent room; removes a participant', async () => {
    const created = await admin.createRoom({
      roomId: 'sdk-persistent',
      name: 'Weekly',
      hostId: 'h',
      maxParticipants: 4,
    });
    assert.equal(typeof created.createdAt, 'string');
    assert.equal(
      (await admin.updateRoom('sdk-persistent', { maxParticipants: 3 })).maxParticipants,
      3,
    );
    const bob = await peer('sdk-bob');
    bob.emit('video:join-room', { roomId: 'sdk-persistent' });
    await bob.next('video:room-state', 10_000);
    await admin.removeParticipant({ kind: 'mesh', roomId: 'sdk-persistent', peerId: bob.id });
    await bob.next('video:user-left', 10_000);
    assert.deepEqual(await admin.deleteRoom('sdk-persistent'), {
      ok: true,
      roomId: 'sdk-persistent',
    });
    await assert.rejects(
      admin.updateRoom('sdk-persistent', { name: 'gone' }),
      refusedWith(404, 'unknown-room'),
    );
  });

  it('reads and clears the event log with a filter', async () => {
    await peer('sdk-logged');
    await until('the join is in the log', async () => {
      const page = await admin.logs({ userId: 'sdk-logged', type: 'connect' });
      return page.total === 1;
    });
    const page = await admin.logs({ userId: 'sdk-logged', since: new Date(Date.now() - 60_000) });
    assert.ok(page.logs.every((row) => row.userId === 'sdk-logged'));
    assert.equal(typeof page.logs[0]?.createdAt, 'string');
    assert.equal(page.limit, 50);
    const { deleted } = await admin.clearLogs({ userId: 'sdk-logged' });
    assert.ok(deleted >= 1);
    assert.equal((await admin.logs({ userId: 'sdk-logged', type: 'connect' })).total, 0);
  });

  it('saves a live setting, which applies at once', async () => {
    const saved = await admin.saveSetting({ key: 'max_connections', value: 4321 });
    assert.equal(saved.applied, true);
    assert.equal(srv.server.engine.settings.maxConnections, 4321);
    const setting = (await admin.settings()).find((s) => s.key === 'max_connections');
    assert.equal(setting?.value, 4321);
    assert.equal(setting?.source, 'runtime');
  });

  it("carries the server's { error, message } when it refuses", async () => {
    await assert.rejects(
      admin.saveSetting({ key: 'no_such_setting' as 'max_connections', value: 1 }),
      refusedWith(400, 'invalid-body', /POST \/api\/settings: 400 invalid-body: .*not a setting/),
    );
    await assert.rejects(admin.logs({ limit: 100_000 }), refusedWith(400, 'invalid-query'));
    await assert.rejects(
      new SinyalAdmin(srv.url, { token: 'wrong-token-of-some-length' }).connections(),
      refusedWith(401, 'unauthorized', /admin endpoints need ADMIN_TOKEN/),
    );
    await assert.rejects(new SinyalAdmin(srv.url).rooms(), refusedWith(401, 'unauthorized'));
  });

  it('says when the server cannot be reached', async () => {
    const closed = await startServer();
    await closed.close();
    await assert.rejects(
      new SinyalAdmin(closed.url, { token: ADMIN_TOKEN }).connections(),
      refusedWith(0, 'network', /cannot reach/),
    );
  });
});

describe('sinyal/server stays light', () => {
  it('importing it loads none of the server: no Fastify, Socket.IO, ws, PGlite, pg, Redis, pino', async () => {
    // A child process records every module its import resolves (module.register hook).
    const script = `
      import { register } from 'node:module';
      import { MessageChannel } from 'node:worker_threads';
      const hooks = \`let port;
        export function initialize(data) { port = data.port; port.on('message', (m) => port.postMessage(m)); }
        export async function resolve(specifier, context, next) {
          const resolved = await next(specifier, context);
          port.postMessage(resolved.url);
          return resolved;
        }\`;
      const { port1, port2 } = new MessageChannel();
      const loaded = [];
      register('data:text/javascript,' + encodeURIComponent(hooks), {
        data: { port: port2 }, transferList: [port2],
      });
      const flushed = new Promise((done) =>
        port1.on('message', (m) => (m === 'flush' ? done() : loaded.push(m))),
      );
      const sdk = await import(process.argv[1]);
      port1.postMessage('flush');
      await flushed;
      port1.close();
      console.log(JSON.stringify({ exports: Object.keys(sdk), loaded }));
    `;
    const entry = join(import.meta.dirname, '..', 'src', 'sdk', 'index.ts');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script, entry],
      { cwd: join(import.meta.dirname, '..') },
    );
    const { exports, loaded } = JSON.parse(stdout) as { exports: string[]; loaded: string[] };
    assert.ok(exports.includes('SinyalAdmin') && exports.includes('verifyWebhook'));
    assert.ok(
      loaded.some((url) => url.endsWith('/src/sdk/admin-client.ts')),
      'the hook sees imports',
    );
    const heavy = loaded.filter((url) =>
      /node_modules\/(fastify|@fastify|socket\.io|ws|@electric-sql|pg|ioredis|pino|drizzle-orm|zod)\//.test(
        url,
      ),
    );
    assert.deepEqual(heavy, []);
    // Of sinyal's own modules, only the SDK, the token minting and the shared types.
    const allowed = /\/src\/(sdk\/|protocol\/|auth\/(mint|verifier)\.ts|engine\/signal-error\.ts)/;
    const server = loaded.filter((url) => url.includes('/src/') && !allowed.test(url));
    assert.deepEqual(server, [], 'no server module is loaded');
  });
});
