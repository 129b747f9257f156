import { fetchIceServers, firstWelcome } from './connect.js';
import { Emitter } from './emitter.js';
import type { LocalTracks, Signal } from './peer.js';
import { PeerSet } from './peer-set.js';
import { awaitJoin, listenRoomEvents } from './room-events.js';
import { openSignaling, sendSignal, type Room, type SignalingSocket } from './signaling.js';
import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import type { ClientEvents, Participant, PeerStatsSummary, ServerEvents, User } from './types.js';

export interface SinyalClientOptions {
  /** Server origin. @default location.origin */
  url?: string;
  /** Stable id of this user (kept across reconnects). @default a random `guest-…` id */
  userId?: string;
  /** Display name sent in the handshake when the server does not require tokens. */
  name?: string;
  /** JWT when the server requires authentication (`AUTH_JWT_SECRET`). */
  token?: string;
  /** ICE servers to use instead of asking the server's `/api/ice-servers`. */
  iceServers?: RTCIceServer[];
  /** How often `stats` is emitted, in ms; 0 turns it off. @default 2000 */
  statsIntervalMs?: number;
  /** How long a joined member waits for the newcomer's offer before offering itself. @default 3000 */
  offerFallbackMs?: number;
  /** Passed to socket.io-client (e.g. `{ transports: ['polling'] }`). */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
}

export const randomId = (): string =>
  crypto.getRandomValues(new Uint32Array(2)).join('').slice(0, 12);

/**
 * The signaling half of `SinyalClient`: the Socket.IO connection (first connect, resume,
 * rejoin), rooms of both dialects, one peer connection per participant, and stats. Local media,
 * chat and files are `SinyalClient`'s (client.ts).
 */
export abstract class SignalingClient extends Emitter<ClientEvents> {
  /** Remote participants of the current room, by peer id. */
  readonly participants: PeerSet['participants'];
  /** The peer connection to each participant, by peer id. */
  readonly peers: PeerSet['peers'];
  readonly userId: string;
  /** The display name `connect()` sends (settable until then, e.g. by a pre-join screen). */
  name?: string;
  /** This peer's id: kept when a dropped connection is resumed, new when it could not be. */
  id?: string;
  /**
   * The signaling link: `reconnecting` from a drop until the server answers again; calls and
   * their media go on meanwhile.
   */
  signalingState: 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed' = 'idle';
  user?: User;
  room?: Room;
  protected socket?: SignalingSocket;
  protected readonly set: PeerSet;
  private iceServers?: RTCIceServer[];
  private statsTimer?: ReturnType<typeof setInterval>;
  private readonly url: string;
  /** The server's resume token and the events received since the peer id was given. */
  private resume?: { token: string; received: number };

  constructor(protected readonly options: SinyalClientOptions = {}) {
    super();
    this.url = options.url ?? location.origin;
    this.userId = options.userId ?? `guest-${randomId()}`;
    this.name = options.name;
    this.iceServers = options.iceServers;
    this.set = new PeerSet({
      selfId: () => this.id,
      iceServers: () => this.iceServers ?? [],
      offerFallbackMs: options.offerFallbackMs,
      local: () => this.localTracks(),
      send: (peerId, signal) => this.send(peerId, signal),
      emit: (event, data) => this.emit(event, data),
    });
    this.participants = this.set.participants;
    this.peers = this.set.peers;
  }

  /** The local tracks every new peer connection sends. */
  protected abstract localTracks(): LocalTracks;
  /** Restates this peer's media state after a (re)join: the server's record starts unmuted. */
  protected abstract reannounce(): void;

  /** Connects and resolves with this connection's identity (`welcome`). */
  async connect(): Promise<ServerEvents['welcome']> {
    if (this.socket) throw new Error('Already connected: close() first');
    // With a token the server takes the user id from it; a generated one would contradict it.
    const credentials: Record<string, string> = this.claimsUserId ? { userId: this.userId } : {};
    if (this.name) credentials.name = this.name;
    if (this.options.token) credentials.token = this.options.token;
    const auth = () => {
      const resume = this.resume;
      return resume
        ? { ...credentials, resume: resume.token, received: resume.received }
        : credentials;
    };
    this.setSignalingState('connecting');
    const socket = openSignaling(
      { url: this.url, auth, socketOptions: this.options.socketOptions },
      (attempt, delayMs) => {
        this.setSignalingState('reconnecting');
        this.emit('reconnecting', { attempt, delayMs });
      },
    );
    this.socket = socket;
    this.listen(socket);
    const interval = this.options.statsIntervalMs ?? 2000;
    if (interval > 0) this.statsTimer = setInterval(() => void this.publishStats(), interval);
    const welcome = await firstWelcome(socket, this.url);
    if (!this.iceServers) {
      const credentials = {
        userId: this.claimsUserId ? this.userId : undefined,
        token: this.options.token,
      };
      this.iceServers = await fetchIceServers(this.url, welcome, credentials, (message) =>
        this.emit('error', { message }),
      );
    }
    return welcome;
  }

  /** Joins a mesh room (reference 004): you offer to everyone already there. */
  async joinRoom(roomId: string, options: { studyId?: string } = {}): Promise<Participant[]> {
    const joined = this.join({ kind: 'mesh', id: roomId }, () =>
      this.requireSocket().emit('video:join-room', { roomId, ...options }),
    );
    return (await joined).participants;
  }

  /** Joins a two-person room (reference 000): the first one in calls when the second arrives. */
  async joinPair(roomId: string): Promise<void> {
    await this.join({ kind: 'pair', id: roomId }, () =>
      this.requireSocket().emit('join-room', { roomId }),
    );
  }

  leave(): void {
    const room = this.room;
    if (!room) return;
    this.room = undefined;
    this.socket?.emit(room.kind === 'mesh' ? 'video:leave-room' : 'leave-room', {
      roomId: room.id,
    });
    this.set.dropAll();
    this.emit('room-left', { roomId: room.id });
  }

  /** Leaves and disconnects for good. */
  close(): void {
    this.leave();
    clearInterval(this.statsTimer);
    this.socket?.disconnect();
    this.socket = undefined;
    this.resume = undefined;
    this.setSignalingState('closed');
  }

  /** A stats summary per connected peer (RTT, bitrate, loss, frames decoded). */
  getStats(): Promise<PeerStatsSummary[]> {
    return this.set.stats();
  }

  /** Starts a fresh negotiation with one peer (ICE restart optional); glare-safe. */
  renegotiate(peerId: string, iceRestart = false): void {
    this.peers.get(peerId)?.renegotiate(iceRestart);
  }

  // ── signaling ────────────────────────────────────────────────────────────

  private listen(socket: SignalingSocket): void {
    let connectedBefore = false;
    // A resume says how many events arrived since the peer id was given: all but `welcome`.
    socket.onAny((event: string) => {
      if (event !== 'welcome' && this.resume) this.resume.received++;
    });
    socket.on('welcome', (identity) => {
      const reconnect = connectedBefore;
      connectedBefore = true;
      const resumed = identity.resumed === true && identity.socketId === this.id;
      const received = resumed ? (this.resume?.received ?? 0) : 0;
      this.resume = identity.resumeToken ? { token: identity.resumeToken, received } : undefined;
      this.id = identity.socketId;
      this.user = identity.user;
      this.setSignalingState('connected');
      this.emit('connected', { ...identity, reconnect, resumed });
      // Resumed: same id, rooms and peer connections; only a failed connection needs ICE again.
      if (resumed) this.set.restartFailed();
      else if (reconnect) this.rejoin();
    });
    socket.on('disconnect', (reason) => {
      if (this.socket === socket) this.setSignalingState('reconnecting');
      this.emit('disconnected', { reason });
    });
    socket.on('error', (error) => {
      // Not resumed: the SDK joins again by itself (rejoin), nothing for the app to do.
      if (error.code !== 'resume-failed') this.emit('error', error);
    });
    socket.on('broadcast', (data) => this.emit('broadcast', data));
    socket.on('kicked', ({ reason }) => {
      this.close();
      this.emit('kicked', { reason });
    });

    listenRoomEvents(socket, {
      room: () => this.room,
      set: this.set,
      emit: (event, data) => this.emit(event, data),
      signal: (from, signal) => this.signal(from, signal),
      reannounce: () => this.reannounce(),
    });
  }

  private setSignalingState(state: SignalingClient['signalingState']): void {
    if (this.signalingState === state) return;
    this.signalingState = state;
    this.emit('signaling-state', { state });
  }

  /** After a reconnect that could not resume (new peer id): join again, connections restart. */
  private rejoin(): void {
    const room = this.room;
    if (!room) return;
    this.set.closeConnections();
    if (room.kind === 'mesh') this.socket?.emit('video:join-room', { roomId: room.id });
    else {
      this.set.dropAll();
      this.socket?.emit('join-room', { roomId: room.id });
    }
  }

  /** Resolves on the room's first answer; rejects when it is full or refuses the join. */
  private join(room: Room, request: () => void): Promise<ClientEvents['room-joined']> {
    if (this.room) throw new Error(`Already in room "${this.room.id}": leave() first`);
    const socket = this.requireSocket();
    this.room = room;
    return awaitJoin(socket, this, room, request).catch((error: Error) => {
      if (this.room === room) this.room = undefined;
      throw error;
    });
  }

  /** Signals count only inside a room (the server relays only between its members). */
  private signal(from: string, signal: Signal): void {
    if (this.room) this.set.signal(from, signal);
  }

  private send(peerId: string, signal: Signal): void {
    if (this.socket && this.room) sendSignal(this.socket, this.room, peerId, signal);
  }

  private async publishStats(): Promise<void> {
    if (!this.set.sampling) return;
    this.emit('stats', await this.getStats());
  }

  /** Whether to send `userId`: always without a token, with one only when given explicitly. */
  private get claimsUserId(): boolean {
    return !this.options.token || this.options.userId !== undefined;
  }

  protected requireSocket(): SignalingSocket {
    if (!this.socket) throw new Error('Call connect() first');
    return this.socket;
  }
}
