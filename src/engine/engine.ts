import type { ClusterHandler } from '../cluster/cluster.js';
import { defaultLimits, type PayloadLimits } from '../protocol/limits.js';
import { reaches, type OutboundEvents, type ServerEventName } from '../protocol/outbound.js';
import type { LeaveCause, Member, PeerId, RoomRef } from '../protocol/types.js';
import { roomKey } from '../protocol/types.js';
import type { EngineOptions, JoinPolicy } from './engine-options.js';
import type { InboundEvent } from '../protocol/inbound.js';
import type { Answer, HandlerContext } from './handler-context.js';
import type { EngineEventMap } from './hooks.js';
import { InboundCheck } from './inbound-check.js';
import { DONE, refusal, type Outcome, type Settle } from './outcome.js';
import type { Peer } from './peer.js';
import { PeerRegistry } from './peer-registry.js';
import { hashSecret } from './resume.js';
import { announceLeave } from './room-ops.js';
import { SignalError } from './signal-error.js';

// Embedders and transports import these from here, with the engine.
export * from './engine-options.js';
export type { Outcome } from './outcome.js';

/** A handler's answer as an outcome: the shared one when it answers nothing (every relay). */
const done = (value: unknown): Outcome => (value === undefined ? DONE : { ok: true, value });

/** The reason of every peer a clean stop ends (its `disconnect` and `leave` rows say it). */
export const SHUTDOWN = 'shutdown';

/**
 * The signaling engine: peers, rooms, presence and relay rules. It knows no sockets: a transport
 * calls {@link connect}, {@link receive} and {@link disconnect}; events go back through the
 * peer's {@link PeerSink}.
 */
export class Engine extends PeerRegistry implements HandlerContext {
  readonly limits: PayloadLimits;
  private readonly inbound: InboundCheck;
  private roomCapacity: (roomId: string) => number | undefined;
  readonly authorizeJoin: JoinPolicy;

  constructor(options: EngineOptions = {}) {
    super(options);
    this.limits = options.limits ?? defaultLimits;
    this.roomCapacity = options.roomCapacity ?? (() => undefined);
    this.authorizeJoin = options.joinPolicy ?? (() => undefined);
    this.inbound = new InboundCheck(this.limits);
  }

  /** Starts the cluster and routes what it hands over to local peers. */
  async start(): Promise<void> {
    const handler: ClusterHandler = {
      deliverLocal: (peerId, event, data) => {
        const peer = this.local.get(peerId);
        if (peer && reaches(event, peer.info.transport)) peer.sink.emit(event, data);
      },
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
    const parked = this.cluster.handsOver && !peer.closed && this.resumer.parked(peer);
    if (!parked) return false;
    this.forget(peer);
    // A client still connected here (it came back elsewhere first) is let go quietly.
    const transport = peer.transport;
    peer.transport = null;
    transport?.disconnect('replaced by a resumed connection');
    try {
      await this.cluster.park(parked, this.resumer.windowMs);
    } catch (error) {
      this.logger?.warn({ err: error, peerId: peer.id }, 'could not hand a peer over');
      peer.closed = false;
      this.counters.connections++;
      await this.disconnect(peer, SHUTDOWN);
    }
    return true;
  }

  /**
   * Handles one inbound event: validates it, applies the relay rules and answers the sender
   * with `error { message, code }` when refused. Never throws. Sync for a relay; a promise while
   * a join or leave is in flight (later events of the peer wait their turn in its backlog).
   */
  receive(peer: Peer, event: string, payload: unknown): void | Promise<void> {
    if (peer.closed || !this.takeToken(peer)) return;
    if (peer.backlog) {
      peer.backlog.push([event, payload]);
      return;
    }
    const pending = this.run(peer, event, payload);
    if (pending instanceof Promise) return this.drainAfter(peer, pending);
  }

  /**
   * {@link receive} for a caller that answers its client (SSE + REST): resolves to what the
   * event came to, once its turn came when the peer is busy. The client hears the same events.
   */
  async request<E extends InboundEvent>(
    peer: Peer,
    event: E,
    payload: unknown,
  ): Promise<Outcome<Answer<E>>> {
    if (peer.closed) return refusal(new SignalError('not-in-room', 'Disconnected'));
    if (!this.takeToken(peer)) return refusal(this.overRate());
    if (peer.backlog) {
      const backlog = peer.backlog;
      return new Promise((settle) => backlog.push([event, payload, settle as Settle]));
    }
    const outcome = this.run(peer, event, payload);
    if (outcome instanceof Promise) void this.drainAfter(peer, outcome);
    return outcome as Outcome<Answer<E>> | Promise<Outcome<Answer<E>>>;
  }

  /** Runs one event's handler; a refusal is told to the peer and becomes the outcome. */
  private run(peer: Peer, event: string, payload: unknown): Outcome | Promise<Outcome> {
    try {
      const [handler, data] = this.inbound.check(event, payload);
      const answer = handler(this, peer, data);
      if (answer instanceof Promise) {
        return answer.then(done, (error: unknown) => this.refuse(peer, event, error));
      }
      return done(answer);
    } catch (error) {
      return this.refuse(peer, event, error);
    }
  }

  /** While a join or leave is in flight, later messages of the same peer wait their turn. */
  private async drainAfter(peer: Peer, pending: Promise<Outcome>): Promise<void> {
    const backlog: NonNullable<Peer['backlog']> = [];
    peer.backlog = backlog;
    await pending;
    for (let next = backlog.shift(); next; next = backlog.shift()) {
      const outcome = await this.run(peer, next[0], next[1]);
      next[2]?.(outcome);
    }
    peer.backlog = null;
  }

  private refuse(peer: Peer, event: string, error: unknown): Outcome<never> {
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
    return refusal(error as SignalError);
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
  broadcast<E extends ServerEventName>(event: E, data: OutboundEvents[E]): void {
    for (const peer of this.local.values()) peer.sink.emit(event, data);
    this.cluster.broadcastRemote(event, data);
  }

  /** Sends an event to a member wherever it is connected. */
  deliver<E extends ServerEventName>(member: Member, event: E, data: OutboundEvents[E]): void {
    if (member.nodeId === this.cluster.nodeId)
      this.local.get(member.peerId)?.sink.emit(event, data);
    else this.cluster.forward(member.nodeId, member.peerId, event, data);
  }

  /** A message a transport relayed by itself (PeerJS), for `/metrics` like every other relay. */
  countRelayed(): void {
    this.counters.relayed++;
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

export type { EngineEventMap };
