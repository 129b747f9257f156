import type { Logger } from 'pino';
import type { Cluster, ClusterHandler } from '../cluster/cluster.js';
import { MemoryCluster } from '../cluster/memory.js';
import {
  createInboundSchemas,
  findForbiddenKey,
  isMissingField,
  type InboundEvent,
  type InboundSchemas,
} from '../protocol/inbound.js';
import { createFastParsers, type FastParsers } from '../protocol/fast-parse.js';
import { defaultLimits, type PayloadLimits } from '../protocol/limits.js';
import type { ServerEventName, ServerEvents } from '../protocol/outbound.js';
import {
  defaultLiveSettings,
  type ConnectOptions,
  type EngineCounters,
  type EngineOptions,
  type JoinPolicy,
  type LiveSettings,
} from './engine-options.js';
import { randomToken } from './random-token.js';
import { handlers, type HandlerContext } from './handlers.js';
import { EngineHooks, type EngineEventMap } from './hooks.js';
import { Peer } from './peer.js';
import { hashSecret, Resumer } from './resume.js';
import type { Sent } from './outbound-log.js';
import type { KeptBounds } from './peer.js';
import { SignalError } from './signal-error.js';
import type {
  LeaveCause,
  Member,
  PeerAccess,
  ParkedPeer,
  PeerId,
  PeerInfo,
  PeerSink,
  RoomRef,
  User,
} from './types.js';
import { parseRoomKey, roomKey } from './types.js';

// Embedders and transports import these from here, with the engine.
export * from './engine-options.js';

/** The reason of every peer a clean stop ends (its `disconnect` and `leave` rows say it). */
export const SHUTDOWN = 'shutdown';

/**
 * The signaling engine: peers, rooms, presence and relay rules. It knows no sockets: a transport
 * calls {@link connect}, {@link receive} and {@link disconnect}; events go back through the
 * peer's {@link PeerSink}.
 */
export class Engine implements HandlerContext {
  readonly cluster: Cluster;
  readonly limits: PayloadLimits;
  readonly settings: LiveSettings;
  readonly hooks = new EngineHooks();
  readonly counters: EngineCounters = {
    relayed: 0,
    refused: 0,
    connections: 0,
    refusals: {},
    overBudget: { 'socket.io': 0, websocket: 0, sse: 0 },
  };
  readonly local = new Map<PeerId, Peer>();
  readonly logger: Logger | undefined;
  private readonly schemas: InboundSchemas;
  private readonly fastParsers: FastParsers;
  private roomCapacity: (roomId: string) => number | undefined;
  readonly authorizeJoin: JoinPolicy;
  /** Local connections per client address, for `maxConnectionsPerIp`. */
  private readonly perAddress = new Map<string, number>();
  private readonly resumer: Resumer;

  /** Bounds of each peer's resume log. */
  private readonly kept: KeptBounds;

  constructor(options: EngineOptions = {}) {
    this.cluster = options.cluster ?? new MemoryCluster();
    this.limits = options.limits ?? defaultLimits;
    this.settings = options.settings ?? { ...defaultLiveSettings };
    this.roomCapacity = options.roomCapacity ?? (() => undefined);
    this.authorizeJoin = options.joinPolicy ?? (() => undefined);
    this.logger = options.logger;
    this.schemas = createInboundSchemas(this.limits);
    this.fastParsers = createFastParsers(this.limits);
    this.resumer = new Resumer(this, options.resumeWindowMs ?? 30_000);
    this.kept = { bytes: options.maxKeptBytes, ms: options.maxKeptMs };
  }

  /** How long a dropped peer waits for its client (0 = resuming is off). */
  get resumeWindowMs(): number {
    return this.resumer.windowMs;
  }

  /** Starts the cluster and routes what it hands over to local peers. */
  async start(): Promise<void> {
    const handler: ClusterHandler = {
      deliverLocal: (peerId, event, data) => this.local.get(peerId)?.sink.emit(event, data),
      deliverLocalAll: (event, data) => {
        for (const peer of this.local.values()) peer.sink.emit(event, data);
      },
      disconnectLocal: (peerId, reason) => this.kickLocal(peerId, reason),
      // A dead process's members: their connections were lost with it.
      evictMember: (room, member) => this.removeMember(room, member, 'disconnected'),
      nodeGone: (nodeId) => this.hooks.emit('node-gone', { nodeId }),
      endParked: (info, members, reason) => this.resumer.endParked(info, members, reason),
      parkLocal: async (peerId, secretHash) => {
        const peer = this.local.get(peerId);
        if (!peer?.resumeSecret || hashSecret(peer.resumeSecret) !== secretHash) return false;
        return this.park(peer);
      },
    };
    await this.cluster.start(handler);
  }

  async stop(): Promise<void> {
    // With other processes (REDIS_URL) dropped peers are handed to them, so a rolling restart
    // ends no call; alone, nobody can resume them on a process going away: they leave now,
    // detached ones and those whose close handshake is still in flight alike, so their leaves
    // and disconnects are recorded before the store closes.
    await Promise.all(
      [...this.local.values()].map(async (peer) => {
        if (await this.park(peer)) return;
        await this.disconnect(peer, SHUTDOWN);
      }),
    );
    await this.cluster.stop();
  }

  /** Hands a peer to the cluster for its client to resume elsewhere; false if it cannot. */
  private async park(peer: Peer): Promise<boolean> {
    const parked = this.cluster.park && !peer.closed && this.resumer.parked(peer);
    if (!parked) return false;
    this.forget(peer);
    // A client still connected here (it came back elsewhere first) is let go quietly.
    const transport = peer.transport;
    peer.transport = null;
    transport?.disconnect('replaced by a resumed connection');
    try {
      await this.cluster.park!(parked, this.resumer.windowMs);
    } catch (error) {
      this.logger?.warn({ err: error, peerId: peer.id }, 'could not hand a peer over');
      peer.closed = false;
      this.counters.connections++;
      await this.disconnect(peer, SHUTDOWN);
    }
    return true;
  }

  /** Takes over a peer another process parked: detached, waiting for its client to attach. */
  adopt(parked: ParkedPeer, secret: string): Peer {
    const burst = this.settings.maxMessagesPerSecond * 2;
    const peer: Peer = new Peer(
      parked.info,
      null,
      burst,
      secret,
      (reason) => this.end(peer, reason),
      this.kept,
    );
    peer.log!.import(parked.log);
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
    const fromAddress = address ? (this.perAddress.get(address) ?? 0) : 0;
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
    const secret = options.resumable === false ? '' : this.resumer.newSecret();
    const peer: Peer = new Peer(
      info,
      sink,
      maxMessagesPerSecond * 2,
      secret,
      (reason) => this.end(peer, reason),
      this.kept,
    );
    if (address) this.perAddress.set(address, fromAddress + 1);
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

  /** Counts a refusal by code for `/metrics` (handshakes refused by a transport too). */
  countRefusal(code: string): void {
    this.counters.refusals[code] = (this.counters.refusals[code] ?? 0) + 1;
  }

  /**
   * A transport lost a peer's connection. `resumable`: the connection dropped (network, proxy,
   * server shutdown) rather than being closed on purpose; the peer then waits for its client.
   */
  transportClosed(peer: Peer, sink: PeerSink, reason: string, resumable: boolean): void {
    this.resumer.transportClosed(peer, sink, reason, resumable);
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

  /** Frees a peer's place in its address's connection count (`maxConnectionsPerIp`). */
  private releaseAddress(peer: Peer): void {
    const address = peer.info.address;
    if (!address) return;
    const left = (this.perAddress.get(address) ?? 1) - 1;
    if (left > 0) this.perAddress.set(address, left);
    else this.perAddress.delete(address);
  }

  /** Ends a peer from the server side (kick): its token is void, a connected client is closed. */
  private end(peer: Peer, reason: string): void {
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

  /**
   * Handles one inbound event: validates it, applies the relay rules and answers the sender
   * with `error { message, code }` when refused. Never throws.
   */
  receive(peer: Peer, event: string, payload: unknown): void | Promise<void> {
    if (peer.closed || !this.takeToken(peer)) return;
    if (peer.backlog) {
      peer.backlog.push([event, payload]);
      return;
    }
    const pending = this.tryDispatch(peer, event, payload);
    if (pending) return this.drainAfter(peer, pending);
  }

  private tryDispatch(peer: Peer, event: string, payload: unknown): void | Promise<void> {
    try {
      const pending = this.dispatch(peer, event, payload);
      if (pending) return pending.catch((error: unknown) => this.refuse(peer, event, error));
    } catch (error) {
      this.refuse(peer, event, error);
    }
  }

  /** While a join or leave is in flight, later messages of the same peer wait their turn. */
  private async drainAfter(peer: Peer, pending: Promise<void>): Promise<void> {
    const backlog: Array<[string, unknown]> = [];
    peer.backlog = backlog;
    await pending;
    for (let next = backlog.shift(); next; next = backlog.shift()) {
      await this.tryDispatch(peer, next[0], next[1]);
    }
    peer.backlog = null;
  }

  private dispatch(peer: Peer, event: string, payload: unknown): void | Promise<void> {
    const handler = handlers[event as InboundEvent];
    if (!handler) throw new SignalError('unknown-event', `Unknown event "${event}"`);
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
      throw new SignalError('invalid-payload', `"${event}" expects an object payload`);
    }
    const forbidden = findForbiddenKey(payload);
    if (forbidden) throw new SignalError('forbidden-key', `Key "${forbidden}" is not allowed`);
    // Candidates take a hand-written parser that accepts a subset of their schema with the same
    // output (fast-parse.ts); whatever it does not take goes through zod, which explains refusals.
    let data: unknown = this.fastParsers[event as InboundEvent]?.(payload);
    if (data === undefined) {
      const parsed = this.schemas[event as InboundEvent].safeParse(payload);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const path = issue?.path.join('.') || 'payload';
        const tooLarge = issue?.code === 'too_big';
        throw new SignalError(
          tooLarge ? 'payload-too-large' : 'invalid-payload',
          // The pair-room gateway's own text for a missing room: `roomId is required`.
          isMissingField(issue, payload)
            ? `${path} is required`
            : `Invalid "${event}": ${path} ${issue?.message ?? 'is invalid'}`,
        );
      }
      data = parsed.data;
    }
    return (handler as (ctx: HandlerContext, peer: Peer, data: unknown) => void | Promise<void>)(
      this,
      peer,
      data,
    );
  }

  private refuse(peer: Peer, event: string, error: unknown): void {
    this.counters.refused++;
    this.countRefusal(error instanceof SignalError ? error.code : 'invalid-payload');
    if (!(error instanceof SignalError)) {
      this.logger?.error({ err: error, event, peerId: peer.id }, 'handler failed');
      error = new SignalError('invalid-payload', 'The server could not handle this event');
    }
    const { code, message } = error as SignalError;
    this.logger?.debug({ peerId: peer.id, event, code }, 'refused');
    this.hooks.emit('refused', { peer: peer.info, event, code, message });
    if (!peer.closed) peer.sink.emit('error', { message, code, event });
  }

  private takeToken(peer: Peer): boolean {
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
      peer.sink.emit('error', {
        message: `Too many messages: at most ${rate} per second`,
        code: 'rate-limited',
      });
    }
    return false;
  }

  /** Closes a peer on this process: its timers stop and it no longer counts here. */
  private forget(peer: Peer): void {
    peer.closed = true;
    clearTimeout(peer.expiry);
    clearTimeout(peer.expiryTimer);
    this.local.delete(peer.id);
    this.releaseAddress(peer);
    this.counters.connections--;
  }

  /**
   * Ends a peer: it leaves every room (each announced once) and is forgotten. `cause` is what
   * observers hear its leaves as (a kick wins over whatever closed the connection; a transport
   * ending its clients with `shutdown` is a shutdown).
   */
  async disconnect(peer: Peer, reason = 'disconnect', cause?: LeaveCause): Promise<void> {
    if (peer.closed) return;
    const leaveCause =
      peer.leaveCause ?? cause ?? (reason === SHUTDOWN ? 'shutdown' : 'disconnected');
    this.forget(peer);
    const rooms = [...peer.rooms.values()];
    peer.rooms.clear();
    await Promise.all(
      rooms.map(async (room) => {
        const member = this.cluster.member(room, peer.id);
        if (member) await this.removeMember(room, member, leaveCause, reason);
      }),
    );
    this.cluster.unregisterPeer(peer.id);
    this.hooks.emit('peer-disconnected', { peer: peer.info, reason });
    this.logger?.debug({ peerId: peer.id, reason }, 'peer disconnected');
  }

  /**
   * Disconnects any peer of the cluster (admin), one waiting for its client to resume included
   * (here, on another process, or parked in Redis). Resolves false if no such peer is live.
   */
  async kick(peerId: PeerId, reason: string): Promise<boolean> {
    if (this.kickLocal(peerId, reason)) return true;
    const remote = this.cluster.peer(peerId);
    if (!remote) return this.resumer.kickParked(peerId, reason);
    this.cluster.disconnectRemote(remote.nodeId, peerId, reason);
    return true;
  }

  /** Tells a local peer it was removed (so it does not reconnect), then ends its connection. */
  private kickLocal(peerId: PeerId, reason: string): boolean {
    const peer = this.local.get(peerId);
    if (!peer) return false;
    // A detached peer never hears `kicked`: its token is void, so its client is told on resume.
    this.resumer.revoke(peer, reason);
    peer.leaveCause = 'kicked';
    peer.sink.emit('kicked', { reason });
    peer.sink.disconnect(reason);
    return true;
  }

  /** Sends an event to every connected client of every transport, cluster-wide. */
  broadcast<E extends ServerEventName>(event: E, data: ServerEvents[E]): void {
    for (const peer of this.local.values()) peer.sink.emit(event, data);
    this.cluster.broadcastRemote(event, data);
  }

  /** Sends an event to a member wherever it is connected. */
  deliver<E extends ServerEventName>(member: Member, event: E, data: ServerEvents[E]): void {
    if (member.nodeId === this.cluster.nodeId)
      this.local.get(member.peerId)?.sink.emit(event, data);
    else this.cluster.forward(member.nodeId, member.peerId, event, data);
  }

  /**
   * Removes a member from a room and tells the others, exactly once cluster-wide. `cause`: what
   * observers hear the leave as; `reason`: why its peer ended, when the leave comes from a disconnect.
   */
  async removeMember(
    room: RoomRef,
    member: Member,
    cause: LeaveCause,
    reason?: string,
  ): Promise<void> {
    this.local.get(member.peerId)?.rooms.delete(roomKey(room));
    const remaining = await this.cluster.release(room, member.peerId);
    if (!remaining) return;
    const last = remaining.length === 0;
    this.hooks.emit(
      'room-left',
      reason === undefined ? { room, member, cause, last } : { room, member, cause, last, reason },
    );
    announceLeave(this, room, member, remaining);
  }

  /**
   * Takes a peer out of a room (admin), on whichever node it is connected. The others hear the
   * usual leave; the peer itself gets the same notice about its own id, so its client knows.
   * Returns false when the peer is not in that room.
   */
  async removeFromRoom(room: RoomRef, peerId: PeerId): Promise<boolean> {
    const member = this.cluster.member(room, peerId);
    if (!member) return false;
    await this.removeMember(room, member, 'kicked');
    announceLeave(this, room, member, [member]);
    return true;
  }

  /** Replaces the persistent-room capacity lookup (the store loads it after construction). */
  setRoomCapacity(resolver: (roomId: string) => number | undefined): void {
    this.roomCapacity = resolver;
  }

  capacityOf(roomId: string): number {
    return this.roomCapacity(roomId) ?? this.settings.meshRoomCapacity;
  }

  memberRecord(peer: Peer): Member {
    const { id, nodeId, userId, user } = peer.info;
    return {
      peerId: id,
      nodeId,
      userId,
      user,
      joinedAt: new Date().toISOString(),
      isMuted: false,
      isVideoOff: false,
      isSharingScreen: false,
    };
  }
}

function announceLeave(engine: Engine, room: RoomRef, member: Member, remaining: Member[]): void {
  if (room.kind === 'pair') {
    for (const other of remaining) {
      engine.deliver(other, 'peer-left', { roomId: room.id, socketId: member.peerId });
    }
  } else if (room.kind === 'mesh') {
    const data = { roomId: room.id, socketId: member.peerId, userId: member.userId };
    for (const other of remaining) engine.deliver(other, 'video:user-left', data);
  } else if (!remaining.some((m) => m.userId === member.userId)) {
    // Presence: the user is offline only when its last connection leaves the study.
    const data = { studyId: room.id, userId: member.userId };
    for (const other of remaining) engine.deliver(other, 'presence:user-offline', data);
  }
}

export type { EngineEventMap };
