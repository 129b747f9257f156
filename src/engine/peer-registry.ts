import type { Logger } from 'pino';
import type { Cluster } from '../cluster/cluster.js';
import { MemoryCluster } from '../cluster/memory.js';
import type {
  LeaveCause,
  Member,
  ParkedPeer,
  PeerAccess,
  PeerId,
  PeerInfo,
  PeerSink,
  RoomRef,
  User,
} from '../protocol/types.js';
import { parseRoomKey } from '../protocol/types.js';
import { AddressCount } from './address-count.js';
import {
  defaultLiveSettings,
  type ConnectOptions,
  type EngineCounters,
  type EngineOptions,
  type LiveSettings,
} from './engine-options.js';
import { EngineHooks } from './hooks.js';
import type { Sent } from './outbound-log.js';
import { OVER_BUDGET_REASON, Peer, type KeptBounds, type PeerView } from './peer.js';
import { randomToken } from './random-token.js';
import { Resumer } from './resume.js';
import { SignalError } from './signal-error.js';

/**
 * The engine's peers on this process: admission (connection limits), identity and access, the
 * resume of a dropped connection, and what transports may ask of a peer. The rooms and the relay
 * rules are the {@link Engine}'s, which extends this.
 */
export abstract class PeerRegistry {
  readonly cluster: Cluster;
  readonly settings: LiveSettings;
  readonly hooks = new EngineHooks();
  readonly counters: EngineCounters = {
    relayed: 0,
    refused: 0,
    connections: 0,
    refusals: {},
    overBudget: { 'socket.io': 0, websocket: 0, sse: 0, peerjs: 0 },
  };
  readonly local = new Map<PeerId, Peer>();
  readonly logger: Logger | undefined;
  /** Local connections per client address, for `maxConnectionsPerIp`. */
  private readonly perAddress = new AddressCount();
  protected readonly resumer: Resumer;
  /** Bounds of each peer's resume log. */
  private readonly kept: KeptBounds;

  constructor(options: EngineOptions) {
    this.cluster = options.cluster ?? new MemoryCluster();
    this.settings = options.settings ?? { ...defaultLiveSettings };
    this.logger = options.logger;
    this.resumer = new Resumer(this, options.resumeWindowMs ?? 30_000);
    this.kept = { bytes: options.maxKeptBytes, ms: options.maxKeptMs };
  }

  /** Ends a peer: it leaves every room and is forgotten. */
  abstract disconnect(peer: Peer, reason?: string, cause?: LeaveCause): Promise<void>;
  abstract removeMember(
    room: RoomRef,
    member: Member,
    cause: LeaveCause,
    reason?: string,
  ): Promise<void>;

  /** How long a dropped peer waits for its client (0 = resuming is off). */
  get resumeWindowMs(): number {
    return this.resumer.windowMs;
  }

  /** Takes over a peer another process parked: detached, waiting for its client to attach. */
  adopt(parked: ParkedPeer, secret: string): Peer {
    const burst = this.settings.maxMessagesPerSecond * 2;
    const peer = new Peer(parked.info, null, burst, secret, this, this.kept);
    peer.log!.import(parked.log);
    peer.detachedAt = parked.detachedAt;
    for (const key of parked.rooms) {
      const room = parseRoomKey(key);
      if (room) peer.rooms.set(key, room);
    }
    this.local.set(peer.id, peer);
    this.counters.connections++;
    this.resumer.wait(peer, Math.max(0, parked.deadline - Date.now()));
    return peer;
  }

  /**
   * Admits a connection; throws `server-busy` when `maxConnections` is reached and
   * `too-many-connections` when its address holds `maxConnectionsPerIp` already.
   */
  connect(sink: PeerSink, options: ConnectOptions): Peer {
    const { maxConnections, maxMessagesPerSecond, maxConnectionsPerIp } = this.settings;
    if (maxConnections > 0 && this.local.size >= maxConnections) {
      this.countRefusal('server-busy');
      throw new SignalError('server-busy', 'Server is at its connection limit; try again later');
    }
    const address = options.address;
    const fromAddress = address ? this.perAddress.of(address) : 0;
    if (address && maxConnectionsPerIp > 0 && fromAddress >= maxConnectionsPerIp) {
      this.countRefusal('too-many-connections');
      throw new SignalError(
        'too-many-connections',
        `Too many connections from your address (at most ${maxConnectionsPerIp}); close some first`,
      );
    }
    const info: PeerInfo = {
      id: options.id ?? randomToken(12),
      nodeId: this.cluster.nodeId,
      transport: options.transport,
      userId: options.userId,
      user: options.user,
      address,
      userAgent: options.userAgent,
      connectedAt: new Date().toISOString(),
    };
    const secret = options.resumable === false ? '' : this.resumer.newSecret(options.resumeSecret);
    const peer = new Peer(info, sink, maxMessagesPerSecond * 2, secret, this, this.kept);
    if (address) this.perAddress.add(address);
    this.local.set(info.id, peer);
    this.cluster.registerPeer(info);
    this.counters.connections++;
    this.renewAccess(peer, options.access ?? {});
    this.hooks.emit('peer-connected', { peer: info });
    this.logger?.debug({ peerId: info.id, transport: info.transport }, 'peer connected');
    return peer;
  }

  /**
   * Sets what a peer may do (a refreshed token): later joins follow the new grant, and the peer
   * is told `token-expired` and disconnected when it expires.
   */
  renewAccess(peer: Peer, access: PeerAccess): void {
    peer.access = access;
    clearTimeout(peer.expiryTimer);
    if (access.expiresAt === undefined) return;
    // setTimeout holds at most ~24.8 days; a longer token is re-armed when that fires.
    const delay = Math.min(Math.max(0, access.expiresAt - Date.now()), 2 ** 31 - 1);
    peer.expiryTimer = setTimeout(() => {
      if (peer.closed || peer.access !== access) return;
      if (access.expiresAt! > Date.now()) return this.renewAccess(peer, access);
      this.countRefusal('token-expired');
      peer.sink.emit('error', {
        code: 'token-expired',
        message: 'Your token expired; reconnect with a fresh one',
      });
      // Ended, not just disconnected: an expired token's peer cannot be resumed either.
      this.end(peer, 'token-expired');
    }, delay);
    peer.expiryTimer.unref();
  }

  /** Peers on this process, connected or waiting for their client. */
  get localCount(): number {
    return this.local.size;
  }

  /** Tells every local client the server is stopping (before the transports close). */
  noticeShutdown(): void {
    const data = { reason: 'Server is restarting; reconnect shortly' };
    for (const peer of this.local.values()) peer.sink.emit('server:shutdown', data);
  }

  /** A client that stopped reading: counted by transport, and its peer ends now. */
  dropOverBudget(peer: PeerView): void {
    const own = this.local.get(peer.id);
    if (!own || own.closed) return;
    this.counters.overBudget[own.info.transport]++;
    void this.disconnect(own, OVER_BUDGET_REASON);
  }

  /**
   * Claims an id for a peer about to connect, atomically cluster-wide: false when a peer holds
   * it, here or on any process (one waiting for its client to resume included). A claim whose
   * connection does not open is given back with {@link releaseId}.
   */
  async claimId(id: PeerId, transport: PeerInfo['transport']): Promise<boolean> {
    if (this.local.has(id)) return false;
    const { nodeId } = this.cluster;
    const connectedAt = new Date().toISOString();
    const user = { id, name: id, avatar: null };
    const info: PeerInfo = { id, nodeId, transport, userId: id, user, connectedAt };
    return (await this.cluster.claimPeerId(info)) && !this.local.has(id);
  }

  /**
   * The sink of a local peer of `transport` (its events kept for a resume while it is away), for
   * a dialect that relays by id itself (PeerJS).
   */
  sinkOf(id: PeerId, transport: PeerInfo['transport']): PeerSink | undefined {
    const peer = this.local.get(id);
    return peer?.info.transport === transport ? peer.sink : undefined;
  }

  /** Gives back a claimed id whose connection did not open. */
  releaseId(id: PeerId): void {
    if (!this.local.has(id)) this.cluster.unregisterPeer(id);
  }

  /**
   * Takes one message from a peer's rate limit; false when it is over it (counted, and its
   * client told at most once a second).
   */
  takeToken(peer: Peer): boolean {
    const rate = this.settings.maxMessagesPerSecond;
    if (rate <= 0) return true;
    const now = Date.now();
    peer.tokens = Math.min(rate * 2, peer.tokens + ((now - peer.refilledAt) * rate) / 1000);
    peer.refilledAt = now;
    if (peer.tokens >= 1) {
      peer.tokens -= 1;
      return true;
    }
    this.counters.refused++;
    this.countRefusal('rate-limited');
    if (now - peer.rateLimitNoticeAt > 1000) {
      peer.rateLimitNoticeAt = now;
      const { message, code } = this.overRate();
      peer.sink.emit('error', { message, code });
    }
    return false;
  }

  /** The refusal of a message over the rate limit. */
  protected overRate(): SignalError {
    const rate = this.settings.maxMessagesPerSecond;
    return new SignalError('rate-limited', `Too many messages: at most ${rate} per second`);
  }

  /** Counts a refusal by code for `/metrics` (handshakes refused by a transport too). */
  countRefusal(code: string): void {
    this.counters.refusals[code] = (this.counters.refusals[code] ?? 0) + 1;
  }

  /**
   * A transport lost a peer's connection. `resumable`: the connection dropped (network, proxy,
   * server shutdown) rather than being closed on purpose; the peer then waits for its client,
   * `windowMs` if the transport has its own window (SSE), else the engine's.
   */
  transportClosed(
    peer: Peer,
    sink: PeerSink,
    reason: string,
    resumable: boolean,
    windowMs?: number,
    unsent = 0,
  ): void {
    this.resumer.transportClosed(peer, sink, reason, resumable, windowMs, unsent);
  }

  /** The peer a resume token names, or a `resume-failed` error saying why not. */
  findResumable(token: unknown, userId: string | undefined): Promise<Peer | SignalError> {
    return this.resumer.find(token, userId);
  }

  /**
   * Attaches a resuming connection to its peer; returns the events to write after `welcome`
   * (synchronously: nothing else can reach the client in between), or why it failed.
   */
  resume(peer: Peer, sink: PeerSink, received: number | undefined): Sent[] | SignalError {
    return this.resumer.attach(peer, sink, received);
  }

  /** Ends a peer from the server side (kick): its token is void, a connected client is closed. */
  end(peer: Peer, reason: string): void {
    peer.revoked = true;
    if (peer.transport) peer.transport.disconnect(reason);
    else void this.disconnect(peer, reason);
  }

  /** Gives a peer that is in no room yet a new identity (a WebSocket `auth` frame). */
  reidentify(peer: Peer, identity: { userId: string; user: User }): void {
    peer.info.userId = identity.userId;
    peer.info.user = identity.user;
    this.cluster.registerPeer(peer.info);
  }

  /** Closes a peer on this process: its timers stop and it no longer counts here. */
  protected forget(peer: Peer): void {
    peer.closed = true;
    clearTimeout(peer.expiry);
    clearTimeout(peer.expiryTimer);
    this.local.delete(peer.id);
    this.perAddress.release(peer.info.address);
    this.counters.connections--;
  }
}
