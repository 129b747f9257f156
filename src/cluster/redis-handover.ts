import type { Logger } from 'pino';
import type { OutboundData, OutboundEventName } from '../protocol/outbound.js';
import type { Member, ParkedPeer, PeerId, PeerInfo, RoomRef, SentLog } from '../protocol/types.js';
import { NOT_RESUMED_IN_TIME, parseRoomKey } from '../protocol/types.js';
import type { ClaimResult, ClusterHandler } from './cluster.js';
import type { Directory } from './directory.js';
import {
  encodeNodeMessage,
  readQueuedForward,
  readSentLog,
  type HandoverMessage,
} from './node-messages.js';
import type { RedisLink } from './redis-link.js';
import {
  claimScript,
  expireParkedScript,
  kickParkedScript,
  parkScript,
  PARKED_NODE,
  queueScript,
  tombstoneScript,
} from './redis-handover-scripts.js';

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
  /** What waits for a claim in flight here to finish (a kick that arrived meanwhile). */
  private readonly afterClaim = new Map<PeerId, Array<() => void>>();
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
    const { secretHash: h, info, rooms, log, deadline: d, detachedAt: a } = peer;
    const record = JSON.stringify({ h, info, rooms, log, d, a });
    // Kept past the deadline, so the node that expires it can still announce its rooms.
    const ttl = String(Math.max(0, d - Date.now()) + windowMs + 60_000);
    await link.run(parkScript, id, nodeId, record, String(d), ttl);
  }

  /** An event for a parked peer (its member's node is `~parked`). */
  queue(peerId: PeerId, event: OutboundEventName, data: OutboundData): void {
    const forward = encodeNodeMessage({ t: 'fwd', p: peerId, e: event, d: data });
    this.o.link
      .run(queueScript, peerId, forward, String(MAX_QUEUED))
      .catch((error: unknown) => this.o.logger?.warn({ err: error }, 'could not queue an event'));
  }

  /** Whether a forwarded event was taken here (claim in flight, or a peer parked from here). */
  intercept(peerId: PeerId, event: OutboundEventName, data: OutboundData): boolean {
    const buffer = this.claiming.get(peerId);
    if (buffer) buffer.push([event, data]);
    else if (this.parkedHere.has(peerId)) this.queue(peerId, event, data);
    else return false;
    return true;
  }

  /** Runs `fn` once a claim of `peerId` in flight here is done; false when none is. */
  deferWhileClaiming(peerId: PeerId, fn: () => void): boolean {
    if (!this.claiming.has(peerId)) return false;
    const list = this.afterClaim.get(peerId) ?? [];
    list.push(fn);
    this.afterClaim.set(peerId, list);
    return true;
  }

  onMessage(message: HandoverMessage): void {
    if (message.t === 'parked') {
      this.awaitingPark.get(message.p)?.();
      return;
    }
    const answer = () =>
      this.o.link.publish(message.n, encodeNodeMessage({ t: 'parked', p: message.p }));
    const park = this.o.handler()?.parkLocal(message.p, message.h);
    if (!park) answer();
    else park.then(answer, answer);
  }

  async claim(peerId: PeerId, secretHash: string): Promise<ClaimResult> {
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
        encodeNodeMessage({ t: 'park', p: peerId, h: secretHash, n: this.o.nodeId }),
      );
    });
    this.awaitingPark.delete(peerId);
    return this.tryClaim(peerId, secretHash);
  }

  private async tryClaim(peerId: PeerId, secretHash: string): Promise<ClaimResult> {
    const { directory, link, nodeId } = this.o;
    const buffered: SentLog['kept'] = [];
    this.claiming.set(peerId, buffered);
    try {
      const args = [peerId, secretHash, nodeId, String(Date.now())];
      const reply = (await link.run(claimScript, ...args)) as [string, string[] | string] | null;
      if (!reply) return undefined;
      if (reply[0] === 'kicked') return { kicked: String(reply[1]) };
      // Written by a node of this cluster (the park script); its events are checked by name.
      const record = JSON.parse(reply[0]) as {
        info: ParkedPeer['info'];
        rooms: string[];
        log: unknown;
        d: number;
        a?: number;
      };
      const log = readSentLog(record.log);
      if (!log) throw new Error(`the parked record of ${peerId} holds no valid resume log`);
      // What it was sent while parked, then what reached this node during the claim: in order.
      for (const json of reply[1] as string[]) {
        const forward = readQueuedForward(json);
        if (forward) log.kept.push(forward);
      }
      log.kept.push(...buffered);
      log.count = log.first + log.kept.length;
      const info = { ...record.info, nodeId };
      directory.setPeer(info);
      // Only the rooms it is still in: an admin may have removed it from one while it was parked.
      const rooms = record.rooms.filter((key) => {
        const room = parseRoomKey(key);
        const member = room && directory.member(room, peerId);
        if (room && member) directory.add(room, { ...member, nodeId });
        return member !== undefined;
      });
      const from = record.info.nodeId;
      const detachedAt = record.a;
      return { info, rooms, secretHash, log, deadline: record.d, detachedAt, from };
    } finally {
      // Synchronously with the return: the engine adopts the peer before any later forward.
      this.claiming.delete(peerId);
      const later = this.afterClaim.get(peerId);
      this.afterClaim.delete(peerId);
      // After the microtasks that adopt the peer, so a deferred kick finds it.
      if (later) setImmediate(() => later.forEach((run) => run()));
    }
  }

  /** Ends parked peers past their deadline (exactly one node gets each). */
  async expire(): Promise<void> {
    if (!this.o.handler() || this.expiring) return;
    this.expiring = true;
    try {
      const rows = (await this.o.link.run(expireParkedScript, String(Date.now()))) as Unparked[];
      await Promise.all(rows.map((row) => this.end(row, NOT_RESUMED_IN_TIME)));
    } catch (error) {
      this.o.logger?.warn({ err: error }, 'could not expire parked peers yet');
    } finally {
      this.expiring = false;
    }
  }

  /**
   * Admin kick of a peer parked in Redis: it is ended here (its rooms told once) and a resume of
   * it is refused as kicked for `ttlMs`. False when no peer of that id is parked.
   */
  async kick(peerId: PeerId, reason: string, ttlMs: number): Promise<boolean> {
    const args = [peerId, reason, String(Math.max(1, ttlMs))];
    const reply = (await this.o.link.run(kickParkedScript, ...args)) as
      Unparked | ['claimed', string] | null;
    if (!reply) return false;
    if (reply[0] === 'claimed') {
      // Taken over by a node whose directory this one has not mirrored yet: kick it there.
      const node = reply[1] as string;
      this.o.link.publish(node, encodeNodeMessage({ t: 'kick', p: peerId, r: reason }));
      return true;
    }
    await this.end(reply as Unparked, reason);
    return true;
  }

  /** A kick sent here for a peer this node has just parked follows it (see {@link kick}). */
  kickIfParkedHere(peerId: PeerId, reason: string): void {
    if (!this.parkedHere.has(peerId)) return;
    this.kick(peerId, reason, RELAY_FOR_MS).catch((error: unknown) =>
      this.o.logger?.warn({ err: error, peerId }, 'could not kick a parked peer'),
    );
  }

  /** Remembers a kicked peer cluster-wide, so a resume on any node is refused as kicked. */
  tombstone(peerId: PeerId, secretHash: string, reason: string, ttlMs: number): void {
    const json = JSON.stringify({ h: secretHash, r: reason });
    this.o.link
      .run(tombstoneScript, peerId, json, String(Math.max(1, ttlMs)))
      .catch((error: unknown) => this.o.logger?.warn({ err: error }, 'could not void a token'));
  }

  private async end([json, rows]: Unparked, reason: string): Promise<void> {
    const handler = this.o.handler();
    if (!handler) return;
    const members: Array<{ room: RoomRef; member: Member }> = [];
    for (let i = 0; i + 1 < rows.length; i += 2) {
      const room = parseRoomKey(rows[i]!);
      if (room) members.push({ room, member: JSON.parse(rows[i + 1]!) as Member });
    }
    const { info } = JSON.parse(json) as { info: PeerInfo };
    await handler.endParked(info, members, reason);
  }
}

/** A parked peer taken out of Redis: its record JSON, then room key, member JSON, ... */
type Unparked = [record: string, members: string[]];
