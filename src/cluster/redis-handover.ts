import type { Logger } from 'pino';
import type { ParkedPeer, PeerId, SentLog } from '../engine/types.js';
import { parseRoomKey } from '../engine/types.js';
import type { ClusterHandler } from './cluster.js';
import type { Directory } from './directory.js';
import type { RedisLink } from './redis-link.js';
import {
  claimScript,
  expireParkedScript,
  parkScript,
  PARKED_NODE,
  queueScript,
} from './redis-scripts.js';

/** Events queued in Redis for one parked peer; past this it is announced as left. */
const MAX_QUEUED = 2048;
/** How long a parking node still routes late forwards for a peer into its queue. */
const RELAY_FOR_MS = 60_000;
/** How long a claiming node waits for the peer's own node to park it. */
const PARK_REPLY_TIMEOUT_MS = 3000;

export interface HandoverOptions {
  link: RedisLink;
  directory: Directory;
  nodeId: string;
  logger: Logger | undefined;
  handler(): ClusterHandler | undefined;
}

/** Node messages of the handover: a request to park a peer, and its answer. */
export type HandoverMessage =
  { t: 'park'; p: PeerId; h: string; n: string } | { t: 'parked'; p: PeerId };

/**
 * Moves dropped peers between processes through Redis (scripts in redis-scripts.ts): parks them
 * when their node lets go, queues what they are sent meanwhile, claims them for the node their
 * client comes back to, and expires those that never come back. Costs nothing per message for
 * connected peers: only forwards to a parked (or just moved) peer take another path.
 */
export class RedisHandover {
  /** Peers this node parked: forwards still arriving here go to their queue. */
  private readonly parkedHere = new Set<PeerId>();
  /** Peers being claimed here: forwards for them wait until the claim returns. */
  private readonly claiming = new Map<PeerId, SentLog['kept']>();
  private readonly awaitingPark = new Map<PeerId, () => void>();
  private expiring = false;

  constructor(private readonly o: HandoverOptions) {}

  async park(peer: ParkedPeer, windowMs: number): Promise<void> {
    const { directory, link, nodeId } = this.o;
    const id = peer.info.id;
    for (const key of peer.rooms) {
      const room = parseRoomKey(key);
      const member = room && directory.member(room, id);
      if (room && member) directory.add(room, { ...member, nodeId: PARKED_NODE });
    }
    directory.deletePeer(id);
    this.parkedHere.add(id);
    setTimeout(() => this.parkedHere.delete(id), RELAY_FOR_MS).unref();
    const { secretHash: h, info, rooms, log, deadline: d } = peer;
    const record = JSON.stringify({ h, info, rooms, log, d });
    // Kept past the deadline, so the node that expires it can still announce its rooms.
    const ttl = String(Math.max(0, d - Date.now()) + windowMs + 60_000);
    await link.run(parkScript, id, nodeId, record, String(d), ttl);
  }

  /** An event for a parked peer (its member's node is `~parked`). */
  queue(peerId: PeerId, event: string, data: unknown): void {
    const forward = JSON.stringify({ t: 'fwd', p: peerId, e: event, d: data });
    this.o.link
      .run(queueScript, peerId, forward, String(MAX_QUEUED))
      .catch((error: unknown) => this.o.logger?.warn({ err: error }, 'could not queue an event'));
  }

  /** Whether a forwarded event was taken here (claim in flight, or a peer parked from here). */
  intercept(peerId: PeerId, event: string, data: unknown): boolean {
    const buffer = this.claiming.get(peerId);
    if (buffer) buffer.push([event, data]);
    else if (this.parkedHere.has(peerId)) this.queue(peerId, event, data);
    else return false;
    return true;
  }

  onMessage(message: HandoverMessage): void {
    if (message.t === 'parked') {
      this.awaitingPark.get(message.p)?.();
      return;
    }
    const answer = () =>
      this.o.link.publish(message.n, JSON.stringify({ t: 'parked', p: message.p }));
    const park = this.o.handler()?.parkLocal?.(message.p, message.h);
    if (!park) answer();
    else park.then(answer, answer);
  }

  async claim(peerId: PeerId, secretHash: string): Promise<ParkedPeer | undefined> {
    const claimed = await this.tryClaim(peerId, secretHash);
    if (claimed) return claimed;
    // Still held by a live node (its client came back here, not there): ask it to park it.
    const owner = this.o.directory.peer(peerId)?.nodeId;
    if (!owner || owner === this.o.nodeId || owner === PARKED_NODE) return undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, PARK_REPLY_TIMEOUT_MS);
      this.awaitingPark.set(peerId, () => (clearTimeout(timer), resolve()));
      this.o.link.publish(
        owner,
        JSON.stringify({ t: 'park', p: peerId, h: secretHash, n: this.o.nodeId }),
      );
    });
    this.awaitingPark.delete(peerId);
    return this.tryClaim(peerId, secretHash);
  }

  private async tryClaim(peerId: PeerId, secretHash: string): Promise<ParkedPeer | undefined> {
    const { directory, link, nodeId } = this.o;
    const buffered: SentLog['kept'] = [];
    this.claiming.set(peerId, buffered);
    try {
      const args = [peerId, secretHash, nodeId, String(Date.now())];
      const reply = (await link.run(claimScript, ...args)) as [string, string[]] | null;
      if (!reply) return undefined;
      const record = JSON.parse(reply[0]) as {
        info: ParkedPeer['info'];
        rooms: string[];
        log: SentLog;
        d: number;
      };
      // What it was sent while parked, then what reached this node during the claim: in order.
      const log = record.log;
      for (const json of reply[1]) {
        const forward = JSON.parse(json) as { e: string; d: unknown };
        log.kept.push([forward.e, forward.d]);
      }
      log.kept.push(...buffered);
      log.count += reply[1].length + buffered.length;
      const info = { ...record.info, nodeId };
      directory.setPeer(info);
      for (const key of record.rooms) {
        const room = parseRoomKey(key);
        const member = room && directory.member(room, peerId);
        if (room && member) directory.add(room, { ...member, nodeId });
      }
      return { info, rooms: record.rooms, secretHash, log, deadline: record.d };
    } finally {
      // Synchronously with the return: the engine adopts the peer before any later forward.
      this.claiming.delete(peerId);
    }
  }

  /** Announces parked peers past their deadline as left (exactly one node gets each). */
  async expire(): Promise<void> {
    const handler = this.o.handler();
    if (!handler || this.expiring) return;
    this.expiring = true;
    try {
      const rows = (await this.o.link.run(expireParkedScript, String(Date.now()))) as string[];
      const evictions: Array<Promise<void>> = [];
      for (let i = 0; i + 1 < rows.length; i += 2) {
        const room = parseRoomKey(rows[i]!);
        if (room) evictions.push(handler.evictMember(room, JSON.parse(rows[i + 1]!)));
      }
      await Promise.all(evictions);
    } catch (error) {
      this.o.logger?.warn({ err: error }, 'could not expire parked peers yet');
    } finally {
      this.expiring = false;
    }
  }
}
