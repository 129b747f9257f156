import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import { sha256Hex } from './data.js';
import { Emitter } from './emitter.js';
import { LocalMedia } from './media.js';
import type { Signal } from './peer.js';
import { anonymousState, PeerSet } from './peer-set.js';
import { openSignaling, sendSignal, type Room, type SignalingSocket } from './signaling.js';
import type {
  ChatMessage,
  ClientEvents,
  MediaKind,
  Participant,
  PeerStatsSummary,
  ServerEvents,
  User,
} from './types.js';

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

/** Failed attempts of a first connection before `connect()` gives up (about 2 s). */
const FIRST_CONNECT_ATTEMPTS = 4;

/** Whether the server answers plain HTTP (`/health`): then it is up and refused the socket. */
async function serverAnswers(url: string): Promise<boolean> {
  try {
    await fetch(new URL('/health', url), { cache: 'no-store' });
    return true;
  } catch {
    return false;
  }
}

const originRefusal = (url: string): string =>
  `The signaling server at ${url} is up but refused this page's connection: its origin ` +
  `(${globalThis.location?.origin ?? 'unknown'}) is not allowed there (ALLOWED_ORIGINS), or a proxy does not pass WebSockets`;

const randomId = (): string => crypto.getRandomValues(new Uint32Array(2)).join('').slice(0, 12);

/**
 * The sinyal browser client: signaling over Socket.IO, one perfect-negotiation RTCPeerConnection
 * per remote participant, local media controls, data-channel chat and files, and stats.
 */
export class SinyalClient extends Emitter<ClientEvents> {
  readonly media: LocalMedia;
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
  private socket?: SignalingSocket;
  private readonly set: PeerSet;
  private iceServers?: RTCIceServer[];
  private statsTimer?: ReturnType<typeof setInterval>;
  private readonly url: string;
  /** The server's resume token and the events received since the peer id was given. */
  private resume?: { token: string; received: number };

  constructor(private readonly options: SinyalClientOptions = {}) {
    super();
    this.url = options.url ?? location.origin;
    this.userId = options.userId ?? `guest-${randomId()}`;
    this.name = options.name;
    this.iceServers = options.iceServers;
    this.set = new PeerSet({
      selfId: () => this.id,
      iceServers: () => this.iceServers ?? [],
      offerFallbackMs: options.offerFallbackMs,
      local: () => ({
        stream: this.media.stream,
        audio: this.media.audio,
        video: this.media.video,
      }),
      send: (peerId, signal) => this.send(peerId, signal),
      emit: (event, data) => this.emit(event, data),
    });
    this.participants = this.set.participants;
    this.peers = this.set.peers;
    this.media = new LocalMedia(
      (kind, track) => this.set.replaceTrack(kind, track),
      () => void this.stopScreenShare(),
    );
  }

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
    const welcome = await new Promise<ServerEvents['welcome']>((resolve, reject) => {
      socket.once('welcome', resolve);
      let failures = 0;
      const refused = (error: Error) => {
        socket.off('connect_error', onError);
        socket.off('error', onRefusal);
        socket.io.opts.reconnection = false; // no retry is pending after this
        socket.disconnect();
        reject(error);
      };
      const onError = (error: Error) => {
        // Refused for good by the server (authentication, server full): its message says why.
        if (!socket.active) return refused(error);
        // A refused handshake looks like a network error to the page: say which it is.
        if (++failures === 1) {
          void serverAnswers(this.url).then((up) => {
            if (up && !socket.connected) refused(new Error(originRefusal(this.url)));
          });
        } else if (failures >= FIRST_CONNECT_ATTEMPTS && !socket.connected) {
          refused(new Error(`Cannot reach the signaling server at ${this.url}`));
        }
      };
      // Admitted by Socket.IO but refused by the server (full): `error`, then a disconnect.
      const onRefusal = ({ message }: { message: string }) => refused(new Error(message));
      socket.on('connect_error', onError);
      socket.once('error', onRefusal);
      socket.once('welcome', () => {
        socket.off('connect_error', onError);
        socket.off('error', onRefusal);
      });
    });
    // TURN credentials go to a live connection (or a token holder): asked once connected.
    if (!this.iceServers) this.iceServers = await this.fetchIceServers(welcome);
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

  /** Leaves, stops local media and disconnects for good. */
  close(): void {
    this.leave();
    clearInterval(this.statsTimer);
    this.media.stop();
    this.socket?.disconnect();
    this.socket = undefined;
    this.resume = undefined;
    this.setSignalingState('closed');
  }

  /** Opens camera and microphone (or uses `stream`), before or during a call. */
  async startMedia(constraints?: MediaStreamConstraints | MediaStream): Promise<MediaStream> {
    if (constraints instanceof MediaStream) this.media.useStream(constraints);
    else await this.media.start(constraints);
    for (const kind of ['audio', 'video'] as const) {
      const track = this.media[kind];
      if (track) await this.set.replaceTrack(kind, track);
    }
    this.emit('local-stream', { stream: this.media.stream });
    return this.media.stream;
  }

  async setMuted(muted: boolean): Promise<void> {
    await this.media.setMuted(muted);
    this.announce('video:toggle-audio', { isMuted: muted });
    this.emitLocalMedia();
  }

  async setVideoOff(off: boolean): Promise<void> {
    await this.media.setVideoOff(off);
    this.announce('video:toggle-video', { isVideoOff: off });
    this.emitLocalMedia();
  }

  /** Switches the camera or microphone mid-call (no renegotiation). */
  async switchDevice(kind: MediaKind, deviceId: string): Promise<void> {
    await this.media.switchDevice(kind, deviceId);
    this.emit('local-stream', { stream: this.media.stream });
  }

  /** Shares the screen (or `source`, any stream with video) in place of the camera. */
  async startScreenShare(source?: MediaStream): Promise<void> {
    await this.media.startScreenShare(source);
    this.announce('video:screen-share-start', {});
    this.emitLocalMedia();
  }

  async stopScreenShare(): Promise<void> {
    if (!this.media.isSharingScreen) return;
    await this.media.stopScreenShare();
    this.announce('video:screen-share-stop', {});
    this.emitLocalMedia();
  }

  /**
   * Sends a chat message: over the data channels (peer to peer, never stored), or through the
   * server's `chat:video-message` (`via: 'server'`, seen by reference clients too).
   */
  sendChat(text: string, options: { via?: 'datachannel' | 'server' } = {}): ChatMessage {
    const message: ChatMessage = {
      id: `${this.id ?? 'local'}-${randomId()}`,
      from: this.id ?? '',
      userId: this.userId,
      name: this.user?.name ?? this.userId,
      text,
      timestamp: new Date().toISOString(),
      via: options.via ?? 'datachannel',
    };
    if (message.via === 'server') {
      if (this.room?.kind !== 'mesh') throw new Error('Server chat needs a mesh room');
      this.requireSocket().emit('chat:video-message', { roomId: this.room.id, message: text });
      return message;
    }
    const frame = {
      id: message.id,
      text,
      ts: message.timestamp,
      name: message.name,
      userId: this.userId,
    };
    for (const link of this.set.links.values()) if (link.open) link.sendChat(frame);
    this.emit('chat', message);
    return message;
  }

  /** Sends a file to every participant (or those listed) over the data channels. */
  async sendFile(file: Blob & { name?: string }, peerIds?: string[]): Promise<string> {
    const bytes = await file.arrayBuffer();
    // Hashed while the bytes are already on their way: the digest goes in the last frame.
    const sha256 = sha256Hex(bytes);
    const transferId = randomId();
    const targets = peerIds ?? [...this.set.links.keys()];
    await Promise.all(
      targets.map((id) => {
        const link = this.set.links.get(id);
        if (!link?.open) throw new Error(`No open data channel to ${id}`);
        return link.sendFile(transferId, file.name ?? 'file', file.type, bytes, sha256);
      }),
    );
    return sha256;
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

    // Mesh dialect (reference 004)
    socket.on('video:room-state', ({ roomId, participants }) => {
      if (this.room?.id !== roomId || this.room.kind !== 'mesh') return;
      const present = new Set(participants.map((p) => p.socketId));
      for (const id of [...this.participants.keys()]) if (!present.has(id)) this.set.drop(id);
      for (const state of participants) this.set.add(state, true);
      this.emit('room-joined', {
        roomId,
        kind: 'mesh',
        participants: [...this.participants.values()],
      });
      this.reannounce();
    });
    socket.on('video:user-joined', (joined) => {
      if (this.room?.id !== joined.roomId) return;
      this.set.add(
        { ...joined, isMuted: false, isVideoOff: false, isSharingScreen: false, joinedAt: '' },
        false,
      );
    });
    socket.on('video:user-left', ({ socketId }) => this.set.drop(socketId));
    socket.on('video:offer', ({ from, offer }) => this.signal(from, { description: offer }));
    socket.on('video:answer', ({ from, answer }) => this.signal(from, { description: answer }));
    socket.on('video:ice-candidate', ({ from, candidate }) => this.signal(from, { candidate }));
    socket.on('video:peer-audio-changed', ({ socketId, isMuted }) =>
      this.set.update(socketId, { isMuted }),
    );
    socket.on('video:peer-video-changed', ({ socketId, isVideoOff }) =>
      this.set.update(socketId, { isVideoOff }),
    );
    socket.on('video:peer-screen-share', ({ socketId, isSharing }) =>
      this.set.update(socketId, { isSharingScreen: isSharing }),
    );
    socket.on('chat:video-message-received', (m) =>
      this.emit('chat', {
        id: m.id,
        from: m.socketId,
        userId: m.userId,
        name: m.user.name,
        text: m.message,
        timestamp: m.timestamp,
        via: 'server',
      }),
    );
    socket.on('room-full', (full) => this.emit('room-full', full));

    // Pair dialect (reference 000)
    socket.on('joined', ({ roomId }) => {
      if (this.room?.kind === 'pair' && this.room.id === roomId) {
        this.emit('room-joined', { roomId, kind: 'pair', participants: [] });
      }
    });
    socket.on('ready', ({ roomId, role, partnerId }) => {
      if (this.room?.kind !== 'pair' || this.room.id !== roomId) return;
      this.set.add(anonymousState(partnerId), role === 'caller');
    });
    socket.on('offer-received', ({ from, sdp }) => this.signal(from, { description: sdp }));
    socket.on('answer-received', ({ from, sdp }) => this.signal(from, { description: sdp }));
    socket.on('ice-candidate-received', ({ from, candidate }) => this.signal(from, { candidate }));
    socket.on('peer-left', ({ socketId }) => this.set.drop(socketId));
  }

  private setSignalingState(state: SinyalClient['signalingState']): void {
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
    const joinEvent = room.kind === 'mesh' ? 'video:join-room' : 'join-room';
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer);
        offJoined();
        socket.off('room-full', onFull);
        socket.off('error', onError);
        if (error && this.room === room) this.room = undefined;
        if (error) reject(error);
      };
      const offJoined = this.on('room-joined', (joined) => {
        if (joined.roomId !== room.id) return;
        done();
        resolve(joined);
      });
      const onFull = (full: ServerEvents['room-full']) => {
        if (full.roomId === room.id) done(new Error(full.message));
      };
      const onError = (error: ServerEvents['error']) => {
        if (error.event === joinEvent) done(new Error(error.message));
      };
      const timer = setTimeout(() => done(new Error(`No answer to joining "${room.id}"`)), 15_000);
      socket.on('room-full', onFull);
      socket.on('error', onError);
      request();
    });
  }

  /** Signals count only inside a room (the server relays only between its members). */
  private signal(from: string, signal: Signal): void {
    if (this.room) this.set.signal(from, signal);
  }

  private send(peerId: string, signal: Signal): void {
    if (this.socket && this.room) sendSignal(this.socket, this.room, peerId, signal);
  }

  // ── local media ─────────────────────────────────────────────────────────

  private announce(
    event:
      | 'video:toggle-audio'
      | 'video:toggle-video'
      | 'video:screen-share-start'
      | 'video:screen-share-stop',
    data: { isMuted?: boolean; isVideoOff?: boolean },
  ): void {
    const room = this.room;
    if (room?.kind !== 'mesh') return;
    // Each event carries only its own field (the payload types differ per event).
    (this.socket?.emit as (e: string, d: unknown) => void)(event, { roomId: room.id, ...data });
  }

  /** A fresh member record on the server starts unmuted: restate what differs after a rejoin. */
  private reannounce(): void {
    if (this.media.isMuted) this.announce('video:toggle-audio', { isMuted: true });
    if (this.media.isVideoOff) this.announce('video:toggle-video', { isVideoOff: true });
    if (this.media.isSharingScreen) this.announce('video:screen-share-start', {});
  }

  private emitLocalMedia(): void {
    const { isMuted, isVideoOff, isSharingScreen } = this.media;
    this.emit('local-media', { isMuted, isVideoOff, isSharingScreen });
  }

  private async publishStats(): Promise<void> {
    if (!this.set.sampling) return;
    this.emit('stats', await this.getStats());
  }

  private async fetchIceServers(welcome: ServerEvents['welcome']): Promise<RTCIceServer[]> {
    const url = new URL('/api/ice-servers', this.url);
    if (this.claimsUserId) url.searchParams.set('userId', this.userId);
    url.searchParams.set('connectionId', welcome.socketId);
    if (welcome.connectionToken) url.searchParams.set('connectionToken', welcome.connectionToken);
    const headers: Record<string, string> = {};
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    try {
      const response = await fetch(url, { headers });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = (await response.json()) as { iceServers?: RTCIceServer[] };
      return body.iceServers ?? [];
    } catch (error) {
      // Host candidates still connect a LAN; say why calls across NATs may fail.
      this.emit('error', { message: `ICE servers unavailable: ${(error as Error).message}` });
      return [];
    }
  }

  /** Whether to send `userId`: always without a token, with one only when given explicitly. */
  private get claimsUserId(): boolean {
    return !this.options.token || this.options.userId !== undefined;
  }

  private requireSocket(): SignalingSocket {
    if (!this.socket) throw new Error('Call connect() first');
    return this.socket;
  }
}
