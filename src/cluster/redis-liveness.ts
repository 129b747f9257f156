import type { Logger } from 'pino';
import type { Member } from '../protocol/types.js';
import { parseRoomKey } from '../protocol/types.js';
import type { ClusterHandler } from './cluster.js';
import type { RedisLink } from './redis-link.js';
import { deadMembersScript, heartbeatScript, nodeGoneScript } from './redis-scripts.js';

export interface LivenessOptions {
  link: RedisLink;
  nodeId: string;
  /** A node whose heartbeat is this old is dead; beats go every fifth of it. */
  nodeTimeout: number;
  logger: Logger | undefined;
  handler(): ClusterHandler | undefined;
  /** Whether a local change may be missing in Redis (then re-register). */
  dirty(): boolean;
  /** Runs after each beat while in sync (expires parked peers). */
  afterBeat?(): void;
}

/**
 * Heartbeats of one node, and the eviction of nodes that stopped beating: their members leave
 * their rooms through the engine, announced once (the atomic release decides who announces).
 */
export class RedisLiveness {
  /** Live nodes at the last beat. */
  nodes = 1;
  /** No eviction of others before this time: after an outage they need a beat to come back. */
  graceUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly evicting = new Set<string>();

  constructor(private readonly options: LivenessOptions) {}

  start(): void {
    const every = Math.max(100, Math.floor(this.options.nodeTimeout / 5));
    this.timer = setInterval(() => void this.beat(), every);
    this.timer.unref();
    void this.beat();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** After a re-registration that followed an outage. */
  startGrace(): void {
    if (this.timer) this.graceUntil = Date.now() + this.options.nodeTimeout;
  }

  /** Heartbeat; also notices a Redis that lost this node, and nodes that died. */
  private async beat(): Promise<void> {
    const { link, nodeId, nodeTimeout, logger } = this.options;
    if (!link.ready || !this.timer) return;
    try {
      const [added, live, dead] = (await link.run(
        heartbeatScript,
        nodeId,
        String(nodeTimeout),
      )) as [number, number, string[]];
      this.nodes = live;
      if ((added === 1 || this.options.dirty()) && link.synced) {
        logger?.warn(
          { lost: added === 1 },
          'Redis lost this node (restart or declared dead) or missed a write: re-registering',
        );
        link.requestSync();
      }
      if (!link.synced || Date.now() < this.graceUntil) return;
      for (const node of dead) if (node !== nodeId) void this.evict(node);
      this.options.afterBeat?.();
    } catch (error) {
      logger?.debug({ err: error }, 'heartbeat failed');
    }
  }

  /** Every live node tries; the atomic release lets exactly one announce each member. */
  private async evict(node: string): Promise<void> {
    const { link, logger } = this.options;
    const handler = this.options.handler();
    if (!handler || this.evicting.has(node)) return;
    this.evicting.add(node);
    try {
      const rows = (await link.run(deadMembersScript, node)) as string[] | null;
      if (!rows) return;
      const evictions: Array<Promise<void>> = [];
      for (let i = 0; i + 1 < rows.length; i += 2) {
        const room = parseRoomKey(rows[i]!);
        if (room) evictions.push(handler.evictMember(room, JSON.parse(rows[i + 1]!) as Member));
      }
      await Promise.all(evictions);
      if ((await link.run(nodeGoneScript, node, '0')) === 1) {
        logger?.warn({ node, members: evictions.length }, 'node stopped beating: removed');
        handler.nodeGone(node);
      }
    } catch (error) {
      logger?.warn({ err: error, node }, 'could not evict a dead node yet');
    } finally {
      this.evicting.delete(node);
    }
  }
}
