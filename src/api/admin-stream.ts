import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Overview, Sample } from './admin-types.js';
import type { ApiContext } from './context.js';

/** Figures are sampled once a second: often enough to look live, rare enough to cost nothing. */
const SAMPLE_INTERVAL = 1000;
/** 15 minutes of one-second samples, the span of the dashboard's charts. */
const HISTORY_LENGTH = 900;
/** Log rows sent per tick at most; a burst beyond that is in the paged history. */
const TAIL_LIMIT = 200;

/** A short, order-independent digest of a set of strings (change detection, not security). */
function digest(items: Iterable<string>): string {
  let sum = 0;
  let xor = 0;
  let count = 0;
  for (const item of items) {
    let h = 2166136261;
    for (let i = 0; i < item.length; i++) h = Math.imul(h ^ item.charCodeAt(i), 16777619);
    sum = (sum + (h >>> 0)) >>> 0;
    xor = (xor ^ h) >>> 0;
    count++;
  }
  return `${count}.${sum.toString(36)}.${xor.toString(36)}`;
}

/**
 * The admin dashboard's feed: a one-second timer reads the counters the engine keeps anyway
 * (nothing is computed per relayed message), keeps 15 minutes of samples, and writes one
 * `text/event-stream` to every open dashboard: `history` once, then `stats` each second and
 * `log` with the event log rows written since the last tick.
 */
export class AdminFeed {
  private readonly history: Sample[] = [];
  private readonly clients = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private previous = { relayed: 0, refused: 0, at: Date.now() };
  private lastLogId: number | undefined;
  private tailing = false;

  constructor(private readonly ctx: ApiContext) {
    const { relayed, refused } = ctx.engine.counters;
    this.previous = { relayed, refused, at: Date.now() };
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), SAMPLE_INTERVAL);
    this.timer.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Starts a stream on a raw response; it ends when the client goes or the server closes. */
  async open(response: ServerResponse, headers: Record<string, string>): Promise<void> {
    // The tail starts where the log ends now: what the client sees next is new.
    if (this.lastLogId === undefined) {
      const [last] = await this.ctx.store.logsAfter(undefined, 1).catch(() => []);
      this.lastLogId ??= last?.id ?? 0;
    }
    if (response.destroyed) return;
    response.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    this.clients.add(response);
    response.on('close', () => this.clients.delete(response));
    send(response, 'history', { interval: SAMPLE_INTERVAL, samples: this.history });
    send(response, 'stats', this.overview(this.history.at(-1) ?? this.sample()));
  }

  close(): void {
    clearInterval(this.timer);
    for (const client of this.clients) client.end();
    this.clients.clear();
  }

  private sample(): Sample {
    const { relayed, refused } = this.ctx.engine.counters;
    const now = Date.now();
    const seconds = Math.max((now - this.previous.at) / 1000, 0.001);
    let connections = 0;
    for (const _ of this.ctx.engine.cluster.peers()) connections++;
    const sample = {
      t: now,
      connections,
      relayedPerSecond: Math.max(0, Math.round((relayed - this.previous.relayed) / seconds)),
      refusedPerSecond: Math.max(0, Math.round((refused - this.previous.refused) / seconds)),
    };
    this.previous = { relayed, refused, at: now };
    return sample;
  }

  private tick(): void {
    const sample = this.sample();
    this.history.push(sample);
    if (this.history.length > HISTORY_LENGTH) this.history.shift();
    if (this.clients.size === 0) {
      this.lastLogId = undefined;
      return;
    }
    const overview = this.overview(sample);
    for (const client of this.clients) send(client, 'stats', overview);
    void this.tail();
  }

  /** Everything the overview shows; walks peers and rooms once, only while a dashboard is open. */
  private overview(sample: Sample): Overview {
    const { engine, store } = this.ctx;
    const byTransport: Record<string, number> = {};
    const byNode = new Map<string, number>([[engine.cluster.nodeId, 0]]);
    const peerIds: string[] = [];
    for (const peer of engine.cluster.peers()) {
      byTransport[peer.transport] = (byTransport[peer.transport] ?? 0) + 1;
      byNode.set(peer.nodeId, (byNode.get(peer.nodeId) ?? 0) + 1);
      peerIds.push(peer.id);
    }
    let rooms = 0;
    let participants = 0;
    const roomMarks: string[] = store
      .persistentRooms()
      .map((r) => `p${r.roomId}/${r.maxParticipants}`);
    for (const { room, size } of engine.cluster.rooms()) {
      rooms++;
      participants += size;
      for (const m of engine.cluster.members(room)) {
        roomMarks.push(
          `${room.kind}:${room.id}/${m.peerId}/${+m.isMuted}${+m.isVideoOff}${+m.isSharingScreen}`,
        );
      }
    }
    const health = store.health();
    const cluster = engine.cluster.health();
    return {
      ...sample,
      nodeId: engine.cluster.nodeId,
      uptime: process.uptime(),
      byTransport,
      rooms,
      participants,
      sseStreams: this.ctx.sseStreams(),
      nodes: [...byNode].map(([id, connections]) => ({ id, connections })),
      cluster: { status: cluster.status, nodes: cluster.nodes, detail: cluster.detail },
      store: { ok: health.ok, kind: store.kind, detail: health.detail },
      versions: { connections: digest(peerIds), rooms: digest(roomMarks) },
    };
  }

  /** Sends the log rows written since the last tick (the database is shared, so cluster-wide). */
  private async tail(): Promise<void> {
    if (this.tailing) return;
    this.tailing = true;
    try {
      const rows = await this.ctx.store.logsAfter(this.lastLogId, TAIL_LIMIT);
      const starting = this.lastLogId === undefined;
      this.lastLogId = rows.at(-1)?.id ?? this.lastLogId ?? 0;
      if (starting || rows.length === 0) return;
      for (const client of this.clients) send(client, 'log', { logs: rows });
    } catch {
      // The database is down: the overview says so through the store health; try next tick.
    } finally {
      this.tailing = false;
    }
  }
}

function send(response: ServerResponse, event: string, data: unknown): void {
  response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** `GET /admin/stream`: registered inside the admin scope, so the admin guard applies. */
export function adminStreamRoute(app: FastifyInstance, feed: AdminFeed): void {
  app.get(
    '/admin/stream',
    {
      schema: {
        tags: ['admin'],
        summary: 'Live figures for the admin dashboard (SSE)',
        description:
          'Events: `history { interval, samples }` once (the last 15 minutes, one sample a second), then `stats` (connections by transport, rooms, participants, relayed and refused messages per second, nodes, store and cluster health) every second, and `log { logs }` with new event log rows. Authenticate with the `Authorization` header (read it with fetch streaming; EventSource cannot send headers).',
        security: [{ admin: [] }],
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (typeof value === 'string') headers[name] = value;
      }
      reply.hijack();
      request.raw.on('close', () => reply.raw.end());
      await feed.open(reply.raw, headers);
    },
  );
}
