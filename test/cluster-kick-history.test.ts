import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { storeApi } from '../src/api/extension.js';
import { connect, receivedCount, type TestPeer } from './helpers/clients.js';
import { cleanRedis, exclusive, redisUrl, uniquePrefix } from './helpers/cluster.js';
import { dropSchema, postgresUrl, query, uniqueSchema } from './helpers/pg.js';
import { startServer, type TestServer } from './helpers/server.js';
import { TcpProxy } from './helpers/tcp-proxy.js';
import { until } from './helpers/wait.js';

interface LogRow {
  type: string;
  node_id: string;
  room_id: string | null;
  details: Record<string, unknown> | null;
}

/**
 * Two server instances on the real Redis and one real PostgreSQL schema (history shared, as with
 * DATABASE_URL on every process): admin kicks of peers parked in Redis, and the event log of a
 * peer that moved between processes.
 */
describe('parked peers: admin kick and history across processes (REDIS_URL + PostgreSQL)', () => {
  const prefix = uniquePrefix();
  const schema = uniqueSchema('handover');
  const nodes: TestServer[] = [];
  const peers: TestPeer[] = [];
  const proxies: TcpProxy[] = [];
  let release = () => {};

  const startNode = () =>
    startServer({
      redisUrl,
      redisPrefix: prefix,
      // Long enough for a kick or a claim to come first on a loaded machine; one test waits it out.
      resumeWindow: 8000,
      extensions: [storeApi({ store: { databaseUrl: postgresUrl, pgSchema: schema } })],
    });
  before(async () => {
    release = await exclusive('cluster-suite'); // in-process servers: no build needed
    nodes.push(await startNode());
    nodes.push(await startNode());
  });
  after(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all(nodes.map((n) => n.close().catch(() => undefined)));
    await cleanRedis(redisUrl, prefix);
    await dropSchema(schema);
    release();
  });

  const nodeId = (i: number) => nodes[i]!.server.engine.cluster.nodeId;
  const peer = async (url: string, options: Parameters<typeof connect>[2] = {}) => {
    const p = await connect('websocket', url, options);
    peers.push(p);
    return p;
  };
  /** A peer on node `i` behind a TCP proxy of its own, in mesh room `roomId`. */
  async function awayPeerIn(i: number, roomId: string) {
    const proxy = new TcpProxy('127.0.0.1', nodes[i]!.port);
    proxies.push(proxy);
    await proxy.start();
    const p = await peer(`http://127.0.0.1:${proxy.port}`);
    await enter(p, roomId);
    return { peer: p, proxy };
  }
  const enter = async (p: TestPeer, roomId: string) => {
    p.emit('video:join-room', { roomId });
    await p.next('video:room-state');
  };
  /**
   * `a` on node 0 and `b` on node 1 in `roomId` (a also in `also`); a's connection drops and
   * node 0 restarts, so a is parked in Redis: connected nowhere, waiting for its client.
   */
  async function parkedWith(roomId: string, also?: string) {
    const { peer: a, proxy } = await awayPeerIn(0, roomId);
    if (also) await enter(a, also);
    const b = await peer(nodes[1]!.url);
    await enter(b, roomId);
    await a.next('video:user-joined');
    const firstNode = nodeId(0);
    await proxy.cut();
    await nodes[0]!.close();
    nodes[0] = await startNode();
    await until('a is parked', () => nodes[1]!.server.engine.cluster.peer(a.id) === undefined);
    return { a, b, firstNode };
  }
  /** The event log of one peer once `count` rows landed (writes are batched). */
  async function historyOf(peerId: string, count: number): Promise<LogRow[]> {
    const rowsOf = (id: string) =>
      query<LogRow>(
        `select type, node_id, room_id, details from "${schema}".event_logs
         where peer_id = $1 order by created_at, id`,
        [id],
      );
    await until(
      `${count} log rows for ${peerId}`,
      async () => (await rowsOf(peerId)).length >= count,
    );
    // A row each process queues now lands after anything it had queued (a duplicate too).
    for (const node of nodes) {
      const marker = await peer(node.url);
      await until('a later row lands', async () => (await rowsOf(marker.id)).length > 0);
    }
    return rowsOf(peerId);
  }
  /** A broadcast from each process: it reaches `p` after what those had sent `p` before. */
  async function broadcasts(p: TestPeer): Promise<unknown> {
    for (const node of nodes) {
      const sent = await fetch(`${node.url}/api/broadcast`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ marker: true }),
      });
      assert.equal(sent.status, 200);
    }
    return Promise.all(nodes.map(() => p.next('broadcast', 10_000)));
  }
  const connectionRow = async (id: string) =>
    (
      await query<{ node_id: string; closed_at: Date | null; close_reason: string | null }>(
        `select node_id, closed_at, close_reason from "${schema}".connections where id = $1`,
        [id],
      )
    )[0];

  it('kicks a peer parked in Redis from any process: left once, resume told it was kicked', async () => {
    const { a, b, firstNode } = await parkedWith('kick-parked');

    const kick = await fetch(`${nodes[1]!.url}/api/connections/${a.id}?reason=spam`, {
      method: 'DELETE',
    });
    assert.equal(kick.status, 200, await kick.clone().text());
    assert.equal((await b.next('video:user-left')).socketId, a.id);
    const again = await fetch(`${nodes[0]!.url}/api/connections/${a.id}`, { method: 'DELETE' });
    assert.equal(again.status, 404, 'a kicked peer is gone');

    // Its client, back on either process, is told it was kicked and closed; nobody hears of it.
    const back = await peer(nodes[0]!.url, { resume: a.welcome.resumeToken });
    assert.equal(back.welcome.resumed, false);
    const error = await back.next('error');
    assert.equal(error.code, 'kicked');
    assert.match(error.message, /removed by an admin \(spam\)/);
    assert.equal((await back.next('kicked')).reason, 'spam');
    await back.next('close');
    await b.events.noneBefore(broadcasts(b), ['video:user-left', 'video:user-joined']);

    // History: connected and joined on the first process, ended once by the kicking one.
    const rows = await historyOf(a.id, 5);
    assert.deepEqual(
      rows.map((r) => [r.type, r.node_id]),
      [
        ['connect', firstNode],
        ['join', firstNode],
        ['leave', nodeId(1)],
        ['disconnect', nodeId(1)],
        ['admin', nodeId(1)],
      ],
    );
    assert.equal(rows[3]!.details?.reason, 'spam');
    const row = await connectionRow(a.id);
    assert.ok(row?.closed_at, 'the connection row is closed');
    assert.equal(row?.close_reason, 'spam');
  });

  it('takes a parked peer out of a room (admin console); it resumes without that room', async () => {
    const { a, b } = await parkedWith('console-parked', 'console-kept');
    const removed = await fetch(
      `${nodes[1]!.url}/api/admin/rooms/mesh/console-parked/participants/${a.id}`,
      { method: 'DELETE' },
    );
    assert.equal(removed.status, 200, await removed.clone().text());
    assert.equal((await b.next('video:user-left')).socketId, a.id);
    const back = await peer(nodes[1]!.url, {
      resume: a.welcome.resumeToken,
      received: receivedCount(a),
    });
    assert.equal(back.welcome.resumed, true);
    // Its own leave notice was queued for it while parked.
    assert.equal((await back.next('video:user-left')).socketId, a.id);
    const local = nodes[1]!.server.engine.local.get(a.id);
    assert.deepEqual([...(local?.rooms.keys() ?? [])], ['mesh:console-kept']);
  });

  it('records a peer moved to another process once: resume (from, to), then one leave', async () => {
    const { peer: a, proxy } = await awayPeerIn(0, 'moved');
    const b = await peer(nodes[1]!.url);
    await enter(b, 'moved');
    await a.next('video:user-joined');
    await proxy.cut();
    b.emit('video:offer', { to: a.id, offer: { type: 'offer', sdp: 'v=0\r\n' } });
    // Back on the other process while its own is alive: parked on request, claimed there.
    const moved = await peer(nodes[1]!.url, {
      resume: a.welcome.resumeToken,
      received: receivedCount(a),
    });
    assert.equal(moved.welcome.resumed, true);
    assert.equal((await moved.next('video:offer')).from, b.id);
    await moved.close();
    assert.equal((await b.next('video:user-left')).socketId, a.id);
    await b.events.noneBefore(broadcasts(b), ['video:user-left']);

    const rows = await historyOf(a.id, 5);
    assert.deepEqual(
      rows.map((r) => [r.type, r.node_id]),
      [
        ['connect', nodeId(0)],
        ['join', nodeId(0)],
        ['resume', nodeId(1)],
        ['leave', nodeId(1)],
        ['disconnect', nodeId(1)],
      ],
    );
    const { name, ...resume } = rows[2]!.details ?? {};
    assert.equal(typeof name, 'string', 'the row names the person');
    assert.deepEqual(resume, { from: nodeId(0), to: nodeId(1), missed: 1 });
    const row = await connectionRow(a.id);
    assert.equal(row?.node_id, nodeId(1), 'the connection row follows the peer');
    assert.ok(row?.closed_at);
  });

  it('a kick that reaches the old process after the peer moved follows it', async () => {
    const { peer: a, proxy } = await awayPeerIn(0, 'late-kick');
    await proxy.cut();
    const moved = await peer(nodes[1]!.url, {
      resume: a.welcome.resumeToken,
      received: receivedCount(a),
    });
    assert.equal(moved.welcome.resumed, true);
    // As sent by a process whose copy of the cluster still had the peer on the first one.
    nodes[1]!.server.engine.cluster.disconnectRemote(nodeId(0), a.id, 'late');
    assert.equal((await moved.next('kicked')).reason, 'late');
    await moved.next('close');
  });

  it('records a parked peer nobody claims as left and disconnected once', async () => {
    const { a, b, firstNode } = await parkedWith('expired');
    assert.equal((await b.next('video:user-left', 30_000)).socketId, a.id);
    const rows = await historyOf(a.id, 4);
    assert.deepEqual(
      rows.map((r) => r.type),
      ['connect', 'join', 'leave', 'disconnect'],
    );
    assert.equal(rows[0]!.node_id, firstNode);
    assert.equal(rows[3]!.details?.reason, 'not resumed in time');
    assert.ok((await connectionRow(a.id))?.closed_at);
  });
});
