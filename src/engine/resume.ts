import { createHash, timingSafeEqual } from 'node:crypto';
import { randomToken } from './random-token.js';
import type { EngineHooks } from './hooks.js';
import type { Sent } from './outbound-log.js';
import type { Peer } from './peer.js';
import { SignalError } from './signal-error.js';
import type { Cluster } from '../cluster/cluster.js';
import {
  NOT_RESUMED_IN_TIME,
  type LeaveCause,
  type Member,
  type ParkedPeer,
  type PeerId,
  type PeerInfo,
  type PeerSink,
  type RoomRef,
} from '../protocol/types.js';

/** What the resume logic needs from the engine. */
export interface ResumeHost {
  readonly local: Map<PeerId, Peer>;
  readonly cluster: Cluster;
  readonly hooks: EngineHooks;
  disconnect(peer: Peer, reason: string, cause?: LeaveCause): Promise<void>;
  removeMember(room: RoomRef, member: Member, cause: LeaveCause, reason?: string): Promise<void>;
  /** A peer claimed from another process becomes a detached local one. */
  adopt(parked: ParkedPeer, secret: string): Peer;
}

/** A resume refused because an admin kicked the session; the client must not come back. */
export class SessionKicked extends SignalError {
  constructor(
    peerId: string,
    readonly reason: string,
  ) {
    super('kicked', `Session ${peerId} was removed by an admin (${reason}): it cannot be resumed`);
  }
}

/** A resume token is `<peer id>.<secret>`; only the peer's own client was ever sent the secret. */
export function parseResumeToken(token: string): { peerId: string; secret: string } | undefined {
  const dot = token.lastIndexOf('.');
  if (dot <= 0 || dot > 128 || token.length - dot - 1 !== 32) return undefined;
  return { peerId: token.slice(0, dot), secret: token.slice(dot + 1) };
}

export const hashSecret = (secret: string): string =>
  createHash('sha256').update(secret).digest('base64url');

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(hashSecret(a));
  const y = Buffer.from(hashSecret(b));
  return timingSafeEqual(x, y);
}

/**
 * Keeps a peer whose connection dropped (not one that left or was kicked) for `windowMs`: its id,
 * rooms and media state stay, room members hear nothing, and what it is sent is kept. A client
 * that comes back with the peer's token gets the events it did not receive, in order, once.
 */
export class Resumer {
  /** Kicked peers whose window has not passed: secret hash and reason, to answer a resume. */
  private readonly kicked = new Map<PeerId, { hash: string; reason: string }>();
  /** Peers claimed from another node, by the node that parked them (for `peer-resumed`). */
  private readonly movedFrom = new WeakMap<Peer, string>();

  constructor(
    private readonly host: ResumeHost,
    readonly windowMs: number,
  ) {}

  /** `given` (the client's own) or a fresh secret for a new peer; '' when resuming is off. */
  newSecret(given?: string): string {
    return this.windowMs > 0 ? (given ?? randomToken(24)) : '';
  }

  /**
   * The transport `sink` of `peer` closed. A dropped connection detaches the peer; a deliberate
   * one (the client left, the peer was kicked) ends it. A sink replaced by a resume is ignored.
   */
  transportClosed(
    peer: Peer,
    sink: PeerSink,
    reason: string,
    resumable: boolean,
    windowMs = this.windowMs,
    unsent = 0,
  ): void {
    if (peer.closed || peer.transport !== sink) return;
    peer.transport = null;
    if (!resumable || peer.revoked || !peer.log) {
      // A close the client asked for is a leave on purpose; a drop with resuming off is not.
      void this.host.disconnect(peer, reason, resumable ? 'disconnected' : 'left');
      return;
    }
    // A resume without a count replays from here: the events sent after the drop was noticed,
    // and the last `unsent` the transport knows it could not write.
    peer.detachedAt = Math.max(0, peer.log.count - unsent);
    this.wait(peer, windowMs);
  }

  /** Starts the window of a peer that has no connection (dropped, or adopted from elsewhere). */
  wait(peer: Peer, ms = this.windowMs): void {
    peer.log?.detach();
    peer.expiry = setTimeout(() => this.expire(peer), ms);
    peer.expiry.unref();
  }

  /** A dropped peer as another process needs it to take it over. */
  parked(peer: Peer): ParkedPeer | undefined {
    if (!peer.log || peer.revoked) return undefined;
    const rooms = [...peer.rooms.keys()];
    const deadline = Date.now() + this.windowMs;
    const secretHash = hashSecret(peer.resumeSecret);
    const { detachedAt } = peer;
    return { info: peer.info, rooms, secretHash, log: peer.log.export(), deadline, detachedAt };
  }

  /** An admin kicked `peer`: its token is void (here and, with Redis, cluster-wide) for the window. */
  revoke(peer: Peer, reason: string): void {
    if (!peer.resumeSecret || this.windowMs <= 0) return;
    const hash = hashSecret(peer.resumeSecret);
    this.kicked.set(peer.id, { hash, reason });
    setTimeout(() => this.kicked.delete(peer.id), this.windowMs).unref();
    this.host.cluster.tombstone(peer.id, hash, reason, this.windowMs);
  }

  /** Admin kick of a peer parked by another process (connected nowhere); false if there is none. */
  async kickParked(peerId: PeerId, reason: string): Promise<boolean> {
    const { cluster } = this.host;
    if (!cluster.handsOver || this.windowMs <= 0) return false;
    return cluster.kickParked(peerId, reason, this.windowMs);
  }

  /** A parked peer ended on this node (expired, kicked): its rooms are told once, then observers. */
  async endParked(
    info: PeerInfo,
    members: Array<{ room: RoomRef; member: Member }>,
    reason: string,
  ): Promise<void> {
    const cause = reason === NOT_RESUMED_IN_TIME ? 'resume-expired' : 'kicked';
    await Promise.all(
      members.map(({ room, member }) => this.host.removeMember(room, member, cause, reason)),
    );
    this.host.hooks.emit('peer-disconnected', { peer: info, reason });
  }

  private expire(peer: Peer): void {
    if (!peer.transport) void this.host.disconnect(peer, NOT_RESUMED_IN_TIME, 'resume-expired');
  }

  /**
   * Finds the peer a token names, or says why it cannot be resumed. The caller then attaches
   * the new connection with {@link attach} (synchronously, so no event falls in between).
   */
  async find(token: unknown, userId: string | undefined): Promise<Peer | SignalError> {
    const parsed = typeof token === 'string' ? parseResumeToken(token) : undefined;
    if (!parsed) return refusal('The resume token is malformed');
    const kicked = this.kicked.get(parsed.peerId);
    if (kicked?.hash === hashSecret(parsed.secret)) {
      return new SessionKicked(parsed.peerId, kicked.reason);
    }
    let peer = this.host.local.get(parsed.peerId);
    const { cluster } = this.host;
    if (!peer && cluster.handsOver && this.windowMs > 0) {
      // Not here: parked by another process (or still held by it), claimed by its secret.
      const claimed = await cluster.claim(parsed.peerId, hashSecret(parsed.secret));
      if (claimed && 'kicked' in claimed) return new SessionKicked(parsed.peerId, claimed.kicked);
      if (claimed) {
        peer = this.host.adopt(claimed, parsed.secret);
        this.movedFrom.set(peer, claimed.from ?? peer.info.nodeId);
      }
    }
    if (
      !peer ||
      peer.closed ||
      !peer.resumeSecret ||
      !sameSecret(peer.resumeSecret, parsed.secret)
    ) {
      return refusal(
        `Session ${parsed.peerId} cannot be resumed: it ended (not back within ${this.windowMs} ms, kicked, or the server restarted)`,
      );
    }
    if (peer.revoked) return refusal('This session was ended by the server');
    if (userId !== undefined && peer.info.userId !== userId)
      return refusal('The resume token belongs to another user');
    return peer;
  }

  /**
   * Gives `peer` the new connection's sink and returns what its client missed after the first
   * `received` events (default: everything sent since the connection dropped). A client too
   * far behind cannot be resumed exactly: the old peer is ended (announced as left).
   */
  attach(peer: Peer, sink: PeerSink, received: number | undefined): Sent[] | SignalError {
    if (peer.closed || !peer.log) return refusal('The session ended while resuming');
    const missed = peer.log.since(received ?? peer.detachedAt ?? peer.log.count);
    if (!missed) {
      void this.host.disconnect(peer, 'resume too far behind');
      return refusal('Too many events were missed to resume exactly');
    }
    clearTimeout(peer.expiry);
    peer.expiry = undefined;
    peer.detachedAt = undefined;
    // A client back before its old connection was noticed dead: that one is let go quietly.
    const previous = peer.transport;
    peer.transport = sink;
    previous?.disconnect('replaced by a resumed connection');
    peer.log.attach();
    const from = this.movedFrom.get(peer) ?? peer.info.nodeId;
    this.movedFrom.delete(peer);
    this.host.hooks.emit('peer-resumed', { peer: peer.info, from, missed: missed.length });
    return missed;
  }
}

function refusal(message: string): SignalError {
  return new SignalError(
    'resume-failed',
    `${message}; connected as a new peer: join your rooms again`,
  );
}
