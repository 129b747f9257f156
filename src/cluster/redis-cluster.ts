import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { OutboundEventName, OutboundEvents, ServerEventName } from '../protocol/outbound.js';
import type {
  MediaState,
  Member,
  ParkedPeer,
  PeerId,
  PeerInfo,
  RoomRef,
} from '../protocol/types.js';
import { roomKey } from '../protocol/types.js';
import type {
  AdmitResult,
  ClaimResult,
  Cluster,
  ClusterHandler,
  ClusterHealth,
} from './cluster.js';
import { Directory } from './directory.js';
import { encodeNodeMessage, isNodeMessage, type NodeMessage } from './node-messages.js';
import { RedisHandover } from './redis-handover.js';
import { handoverScripts, PARKED_NODE } from './redis-handover-scripts.js';
import { RedisLink } from './redis-link.js';
import { RedisLiveness } from './redis-liveness.js';
import { RedisMirror, type SnapshotReply, type StateMessage } from './redis-mirror.js';
import {
  admitScript,
  claimIdScript,
  coreScripts,
  mediaScript,
  nodeGoneScript,
  peerScript,
  releaseScript,
  restoreScript,
  snapshotScript,
} from './redis-scripts.js';

export interface RedisClusterOptions {
  /** `redis://[user:pass@]host:port[/db]` (or `rediss://`). */
  url: string;
  /**
   * Prefix of every key and channel, so several clusters (or test runs) share one Redis.
   * @default 'sinyal:'
   */
  prefix?: string;
  /**
   * A node whose heartbeat is this old is dead: its peers leave their rooms. Heartbeats go every
   * fifth of it, so a `kill -9` is announced within about 1.2× this.
   * @default 5000 — under the 10 s the issue allows, yet far above any GC pause.
   */
  nodeTimeout?: number;
  /** @default `<hostname>-<random>`: unique, so a restarted process is a new node. */
  nodeId?: string;
  logger?: Logger;
}

/**
 * Many processes as one, through Redis. Membership lives in Redis and changes only through
 * atomic scripts; each node mirrors it in a {@link Directory} so reads (and relays) never wait
 * on the network. Events for peers of other nodes go through pub/sub. While Redis is away, the
 * node works from its mirror and re-registers everything it owns when Redis is back.
 */
export class RedisCluster implements Cluster {
  readonly nodeId: string;
  readonly directory = new Directory();
  /** Dropped peers are parked in Redis for any process to claim. */
  readonly handsOver = true;
  private readonly mirror: RedisMirror;
  private readonly link: RedisLink;
  private readonly nodeTimeout: number;
  private readonly logger: Logger | undefined;
  private handler: ClusterHandler | undefined;
  private readonly liveness: RedisLiveness;
  private readonly handover: RedisHandover;
  /** Local changes Redis may have missed (a failed script): re-register at the next beat. */
  private dirty = false;
  private stopped = false;
  private stopping: Promise<void> | undefined;

  constructor(options: RedisClusterOptions) {
    this.nodeId = options.nodeId ?? `${hostname()}-${randomBytes(4).toString('hex')}`;
    this.nodeTimeout = options.nodeTimeout ?? 5000;
    this.logger = options.logger;
    this.mirror = new RedisMirror(this.directory, this.nodeId);
    this.link = new RedisLink({
      url: options.url,
      prefix: options.prefix ?? 'sinyal:',
      nodeId: this.nodeId,
      logger: options.logger,
      onState: (message) => this.mirror.apply(message as StateMessage),
      onNode: (message) => {
        if (isNodeMessage(message)) this.onNodeMessage(message);
      },
      sync: () => this.sync(),
    });
    this.handover = new RedisHandover({
      link: this.link,
      directory: this.directory,
      nodeId: this.nodeId,
      logger: options.logger,
      handler: () => this.handler,
    });
    this.liveness = new RedisLiveness({
      link: this.link,
      nodeId: this.nodeId,
      nodeTimeout: this.nodeTimeout,
      logger: options.logger,
      handler: () => this.handler,
      dirty: () => this.dirty,
      afterBeat: () => void this.handover.expire(),
    });
  }

  async start(handler: ClusterHandler): Promise<void> {
    this.handler = handler;
    await this.link.connect();
    await this.link.resync();
    this.liveness.start();
    this.logger?.info({ nodeId: this.nodeId }, 'joined the Redis cluster');
  }

  /** Leaves cleanly: own members still in rooms are announced as gone, then the node is removed. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.liveness.stop();
    await this.link.settle();
    const handler = this.handler;
    if (this.link.synced && handler) {
      try {
        const own = this.directory.membersOfNode(this.nodeId);
        await Promise.all(own.map(({ room, member }) => handler.evictMember(room, member)));
        await this.link.run(nodeGoneScript, this.nodeId, '1');
      } catch (error) {
        this.logger?.warn({ err: error }, 'could not deregister from Redis; peers will time out');
      }
    }
    this.stopped = true;
    await this.link.close();
  }

  registerPeer(info: PeerInfo): void {
    this.directory.setPeer(info);
    this.write(peerScript, this.nodeId, info.id, JSON.stringify(info));
  }

  async claimPeerId(info: PeerInfo): Promise<boolean> {
    if (this.link.synced && !this.stopped) {
      try {
        const args = [this.nodeId, info.id, JSON.stringify(info)];
        const claimed = (await this.link.run(claimIdScript, ...args)) === 1;
        if (claimed) this.directory.setPeer(info);
        return claimed;
      } catch (error) {
        this.fellBack('claim-id', error);
      }
    }
    // Degraded: unique among the peers this node knows of; re-registration writes it.
    this.dirty ||= !this.stopped;
    if (this.directory.peer(info.id)) return false;
    this.directory.setPeer(info);
    return true;
  }

  unregisterPeer(peerId: PeerId): void {
    this.directory.deletePeer(peerId);
    this.write(peerScript, this.nodeId, peerId, '');
  }

  peer(peerId: PeerId): PeerInfo | undefined {
    return this.directory.peer(peerId);
  }

  peers(): Iterable<PeerInfo> {
    return this.directory.peers();
  }

  async admit(room: RoomRef, member: Member, capacity: number): Promise<AdmitResult> {
    if (this.link.synced && !this.stopped) {
      const key = roomKey(room);
      const args = [key, member.peerId, this.nodeId, JSON.stringify(member), String(capacity)];
      try {
        const reply = (await this.link.run(admitScript, ...args)) as [string, number?, string[]?];
        if (reply[0] !== 'ok') return { ok: false, reason: reply[0] as 'full' | 'already-joined' };
        const others = (reply[2] ?? []).map((json) => JSON.parse(json) as Member);
        this.directory.add(room, member);
        if (!this.link.buffering) this.mirror.merge(room, others, reply[1] ?? 0);
        return { ok: true, others };
      } catch (error) {
        this.fellBack('admit', error);
      }
    }
    // Degraded (or re-registering): admit from the mirror; the next re-registration writes it.
    this.dirty ||= !this.stopped;
    return this.directory.admit(room, member, capacity);
  }

  async release(room: RoomRef, peerId: PeerId): Promise<Member[] | null> {
    const own = this.directory.member(room, peerId)?.nodeId === this.nodeId;
    if (this.link.synced && !this.stopped) {
      try {
        const reply = (await this.link.run(releaseScript, roomKey(room), peerId)) as
          [number, string[]] | null;
        // Not in Redis: someone else released it (and announced it) already.
        this.directory.remove(room, peerId);
        return reply ? reply[1].map((json) => JSON.parse(json) as Member) : null;
      } catch (error) {
        // Another node's member (an eviction) must go through Redis, or it could be announced twice.
        if (!own) throw error;
        this.fellBack('release', error);
      }
    }
    this.dirty ||= !this.stopped;
    if (!this.directory.remove(room, peerId)) return null;
    return [...this.directory.members(room)];
  }

  updateMedia(room: RoomRef, peerId: PeerId, patch: Partial<MediaState>): void {
    this.directory.update(room, peerId, patch);
    const member = this.directory.member(room, peerId);
    if (member?.nodeId === this.nodeId) {
      this.write(mediaScript, roomKey(room), peerId, JSON.stringify(member));
    }
  }

  members(room: RoomRef): Iterable<Member> {
    return this.directory.members(room);
  }

  member(room: RoomRef, peerId: PeerId): Member | undefined {
    return this.directory.member(room, peerId);
  }

  rooms(): Iterable<{ room: RoomRef; size: number }> {
    return this.directory.rooms();
  }

  forward<E extends OutboundEventName>(
    nodeId: string,
    peerId: PeerId,
    event: E,
    data: OutboundEvents[E],
  ): void {
    if (nodeId === PARKED_NODE) return this.handover.queue(peerId, event, data);
    this.link.publish(nodeId, encodeNodeMessage({ t: 'fwd', p: peerId, e: event, d: data }));
  }

  broadcastRemote<E extends ServerEventName>(event: E, data: OutboundEvents[E]): void {
    const message = encodeNodeMessage({ t: 'all', n: this.nodeId, e: event, d: data });
    this.link.publish(null, message);
  }

  disconnectRemote(nodeId: string, peerId: PeerId, reason: string): void {
    this.link.publish(nodeId, encodeNodeMessage({ t: 'kick', p: peerId, r: reason }));
  }

  park(peer: ParkedPeer, windowMs: number): Promise<void> {
    return this.handover.park(peer, windowMs);
  }

  claim(peerId: PeerId, secretHash: string): Promise<ClaimResult> {
    if (!this.link.synced || this.stopped) return Promise.resolve(undefined);
    return this.handover.claim(peerId, secretHash);
  }

  kickParked(peerId: PeerId, reason: string, ttlMs: number): Promise<boolean> {
    if (!this.link.synced || this.stopped) return Promise.resolve(false);
    return this.handover.kick(peerId, reason, ttlMs);
  }

  tombstone(peerId: PeerId, secretHash: string, reason: string, ttlMs: number): void {
    if (this.link.synced && !this.stopped)
      this.handover.tombstone(peerId, secretHash, reason, ttlMs);
  }

  health(): ClusterHealth {
    if (this.link.synced) return { status: 'ok', nodes: this.liveness.nodes, detail: 'redis' };
    return {
      status: 'degraded',
      nodes: this.liveness.nodes,
      detail: `Redis unreachable (${this.link.lastError || 'reconnecting'}): only peers of this process can reach each other`,
    };
  }

  private onNodeMessage(message: NodeMessage): void {
    const handler = this.handler;
    if (!handler) return;
    if (message.t === 'fwd') {
      if (!this.handover.intercept(message.p, message.e, message.d)) {
        handler.deliverLocal(message.p, message.e, message.d);
      }
    } else if (message.t === 'park' || message.t === 'parked') this.handover.onMessage(message);
    else if (message.t === 'kick') {
      // A kick racing a claim of the same peer here waits for the claim to adopt it.
      const kick = () => {
        // Parked from here just before the kick arrived: end it in Redis (or where it went).
        if (handler.disconnectLocal(message.p, message.r) === false)
          this.handover.kickIfParkedHere(message.p, message.r);
      };
      if (!this.handover.deferWhileClaiming(message.p, kick)) kick();
    } else if (message.t === 'all' && message.n !== this.nodeId) {
      handler.deliverLocalAll(message.e, message.d);
    }
  }

  /** A write whose reply nobody waits for; a failure is repaired by the next re-registration. */
  private write(...[script, ...args]: Parameters<RedisLink['run']>): void {
    if (this.stopped) return;
    if (!this.link.synced) {
      this.dirty = true;
      return;
    }
    this.link.run(script, ...args).catch((error: unknown) => this.fellBack(script.name, error));
  }

  private fellBack(what: string, error: unknown): void {
    this.dirty = true;
    this.logger?.warn(
      { err: error, op: what },
      'Redis write failed: working from the local mirror',
    );
  }

  /**
   * Re-registration (on start and whenever Redis comes back): writes this node's peers and
   * members, then loads everything else. The link buffers pub/sub meanwhile and replays what
   * the snapshot does not cover.
   */
  private async sync(): Promise<number> {
    const wasDirty = this.dirty;
    this.dirty = false;
    const args: string[] = [String(this.nodeTimeout)];
    const own = [...this.directory.peers()].filter((p) => p.nodeId === this.nodeId);
    args.push(String(own.length));
    for (const peer of own) args.push(peer.id, JSON.stringify(peer));
    for (const { room, member } of this.directory.membersOfNode(this.nodeId)) {
      args.push(roomKey(room), member.peerId, JSON.stringify(member));
    }
    try {
      await this.link.loadScripts([...coreScripts, ...handoverScripts]);
      await this.link.run(restoreScript, this.nodeId, ...args);
      const snapshot = (await this.link.run(snapshotScript)) as SnapshotReply;
      this.mirror.load(snapshot);
      this.liveness.startGrace();
      return snapshot[0];
    } catch (error) {
      this.dirty ||= wasDirty;
      throw error;
    }
  }
}

/** The cluster `REDIS_URL` asks for, or undefined for the single-process memory cluster. */
export function redisClusterFromConfig(
  config: { redisUrl?: string; redisPrefix: string; clusterNodeTimeout: number },
  logger?: Logger,
): RedisCluster | undefined {
  if (!config.redisUrl) return undefined;
  return new RedisCluster({
    url: config.redisUrl,
    prefix: config.redisPrefix,
    nodeTimeout: config.clusterNodeTimeout,
    logger: logger?.child({ component: 'cluster' }),
  });
}
