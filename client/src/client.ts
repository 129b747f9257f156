import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import { DataLink, sha256Hex } from './data.js';
import { Emitter } from './emitter.js';
import { LocalMedia } from './media.js';
import { PeerLink, type Signal } from './peer.js';
import { openSignaling, type SignalingSocket } from './signaling.js';
import { StatsSampler } from './stats.js';
import type {
  ChatMessage,
  ClientEvents,
  MediaKind,
  Participant,
  ParticipantState,
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

type Room = { kind: 'mesh' | 'pair'; id: string };

const randomId = (): string => crypto.getRandomValues(new Uint32Array(2)).join('').slice(0, 12);

/**
 * The sinyal browser client: signaling over Socket.IO, one perfect-negotiation RTCPeerConnection
 * per remote participant, local media controls, data-channel chat and files, and stats.
 */
export class SinyalClient extends Emitter<ClientEvents> {
  readonly media: LocalMedia;
  /** Remote participants of the current room, by peer id. */
  readonly participants = new Map<string, Participant>();
  /** The peer connection to each participant, by peer id. */
  readonly peers = new Map<string, PeerLink>();
  readonly userId: string;
  /** This connection's peer id (changes on reconnect). */
  id?: string;
  user?: User;
  room?: Room;
  private socket?: SignalingSocket;
  private readonly links = new Map<string, DataLink>();
  private readonly samplers = new Map<string, StatsSampler>();
  private iceServers?: RTCIceServer[];
  private statsTimer?: ReturnType<typeof setInterval>;
  private readonly url: string;

  constructor(private readonly options: SinyalClientOptions = {}) {
    super();
    this.url = options.url ?? location.origin;
    this.userId = options.userId ?? `guest-${randomId()}`;
    this.iceServers = options.iceServers;
    this.media = new LocalMedia(
      (kind, track) => this.replaceTrack(kind, track),
      () => void this.stopScreenShare(),
    );
  }

  /** Connects and resolves with this connection's identity (`welcome`). */
  async connect(): Promise<ServerEvents['welcome']> {
    if (!this.iceServers) this.iceServers = await this.fetchIceServers();
    const auth: Record<string, string> = { userId: this.userId };
    if (this.options.name) auth.name = this.options.name;
    if (this.options.token) auth.token = this.options.token;
    const socket = openSignaling(
      { url: this.url, auth, socketOptions: this.options.socketOptions },
      (attempt, delayMs) => this.emit('reconnecting', { attempt, delayMs }),
    );
    this.socket = socket;
    this.listen(socket);
    const interval = this.options.statsIntervalMs ?? 2000;
    if (interval > 0) this.statsTimer = setInterval(() => void this.publishStats(), interval);
    return new Promise((resolve, reject) => {
      socket.once('welcome', resolve);
      socket.once('connect_error', (error) => {
        if (!socket.active) reject(error); // refused for good (authentication), not a retry
      });
    });
  }

  /** Joins a mesh room (reference 004): you offer to everyone already there. */
  async joinRoom(roomId: string, options: { studyId?: string } = {}): Promise<Participant[]> {
    const socket = this.requireSocket();
    this.room = { kind: 'mesh', id: roomId };
    const joined = this.next('room-joined', (r) => r.roomId === roomId, 15_000);
    socket.emit('video:join-room', { roomId, ...options });
    return (await joined).participants;
  }

  /** Joins a two-person room (reference 000): the first one in calls when the second arrives. */
  async joinPair(roomId: string): Promise<void> {
    const socket = this.requireSocket();
    this.room = { kind: 'pair', id: roomId };
    const joined = this.next('room-joined', (r) => r.roomId === roomId, 15_000);
    socket.emit('join-room', { roomId });
    await joined;
  }

  leave(): void {
    const room = this.room;
    if (!room) return;
    this.room = undefined;
    this.socket?.emit(room.kind === 'mesh' ? 'video:leave-room' : 'leave-room', {
      roomId: room.id,
    });
    for (const id of [...this.participants.keys()]) this.dropParticipant(id);
    this.emit('room-left', { roomId: room.id });
  }

  /** Leaves, stops local media and disconnects for good. */
  close(): void {
    this.leave();
    clearInterval(this.statsTimer);
    this.media.stop();
    this.socket?.disconnect();
    this.socket = undefined;
  }

  /** Opens camera and microphone (or uses `stream`), before or during a call. */
  async startMedia(constraints?: MediaStreamConstraints | MediaStream): Promise<MediaStream> {
    if (constraints instanceof MediaStream) this.media.useStream(constraints);
    else await this.media.start(constraints);
    for (const kind of ['audio', 'video'] as const) {
      const track = this.media[kind];
      if (track) await this.replaceTrack(kind, track);
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
    for (const link of this.links.values()) if (link.open) link.sendChat(frame);
    this.emit('chat', message);
    return message;
  }

  /** Sends a file to every participant (or those listed) over the data channels. */
  async sendFile(file: Blob & { name?: string }, peerIds?: string[]): Promise<string> {
    const bytes = await file.arrayBuffer();
    const sha256 = await sha256Hex(bytes);
    const transferId = randomId();
    const targets = peerIds ?? [...this.links.keys()];
    await Promise.all(
      targets.map((id) => {
        const link = this.links.get(id);
        if (!link?.open) throw new Error(`No open data channel to ${id}`);
        return link.sendFile(transferId, file.name ?? 'file', file.type, bytes, sha256);
      }),
    );
    return sha256;
  }

  /** A stats summary per connected peer (RTT, bitrate, loss, frames decoded). */
  async getStats(): Promise<PeerStatsSummary[]> {
    const samples = [...this.samplers.values()].map((s) => s.sample().catch(() => undefined));
    return (await Promise.all(samples)).filter((s): s is PeerStatsSummary => Boolean(s));
  }

  /** Starts a fresh negotiation with one peer (ICE restart optional); glare-safe. */
  renegotiate(peerId: string, iceRestart = false): void {
    this.peers.get(peerId)?.renegotiate(iceRestart);
  }

  // ── signaling ────────────────────────────────────────────────────────────

  private listen(socket: SignalingSocket): void {
    let connectedBefore = false;
    socket.on('welcome', (identity) => {
      const reconnect = connectedBefore;
      connectedBefore = true;
      this.id = identity.socketId;
      this.user = identity.user;
      this.emit('connected', { ...identity, reconnect });
      if (reconnect) this.rejoin();
    });
    socket.on('disconnect', (reason) => this.emit('disconnected', { reason }));
    socket.on('error', (error) => this.emit('error', error));

    // Mesh dialect (reference 004)
    socket.on('video:room-state', ({ roomId, participants }) => {
      if (this.room?.id !== roomId || this.room.kind !== 'mesh') return;
      const present = new Set(participants.map((p) => p.socketId));
      for (const id of [...this.participants.keys()])
        if (!present.has(id)) this.dropParticipant(id);
      for (const state of participants) this.addParticipant(state, true);
      this.emit('room-joined', {
        roomId,
        kind: 'mesh',
        participants: [...this.participants.values()],
      });
      this.reannounce();
    });
    socket.on('video:user-joined', (joined) => {
      if (this.room?.id !== joined.roomId) return;
      this.addParticipant(
        { ...joined, isMuted: false, isVideoOff: false, isSharingScreen: false, joinedAt: '' },
        false,
      );
    });
    socket.on('video:user-left', ({ socketId }) => this.dropParticipant(socketId));
    socket.on('video:offer', ({ from, offer }) => this.signalFrom(from, { description: offer }));
    socket.on('video:answer', ({ from, answer }) => this.signalFrom(from, { description: answer }));
    socket.on('video:ice-candidate', ({ from, candidate }) => this.signalFrom(from, { candidate }));
    socket.on('video:peer-audio-changed', ({ socketId, isMuted }) =>
      this.updateParticipant(socketId, { isMuted }),
    );
    socket.on('video:peer-video-changed', ({ socketId, isVideoOff }) =>
      this.updateParticipant(socketId, { isVideoOff }),
    );
    socket.on('video:peer-screen-share', ({ socketId, isSharing }) =>
      this.updateParticipant(socketId, { isSharingScreen: isSharing }),
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
      const anonymous = { id: partnerId, name: partnerId, avatar: null };
      const state = {
        socketId: partnerId,
        userId: partnerId,
        user: anonymous,
        isMuted: false,
        isVideoOff: false,
        isSharingScreen: false,
        joinedAt: '',
      };
      this.addParticipant(state, role === 'caller');
    });
    socket.on('offer-received', ({ from, sdp }) => this.signalFrom(from, { description: sdp }));
    socket.on('answer-received', ({ from, sdp }) => this.signalFrom(from, { description: sdp }));
    socket.on('ice-candidate-received', ({ from, candidate }) =>
      this.signalFrom(from, { candidate }),
    );
    socket.on('peer-left', ({ socketId }) => this.dropParticipant(socketId));
  }

  /** After a reconnect (new peer id), join again; connections restart from our side. */
  private rejoin(): void {
    const room = this.room;
    if (!room) return;
    for (const link of this.peers.values()) link.close();
    this.peers.clear();
    if (room.kind === 'mesh') this.socket?.emit('video:join-room', { roomId: room.id });
    else {
      for (const id of [...this.participants.keys()]) this.dropParticipant(id);
      this.socket?.emit('join-room', { roomId: room.id });
    }
  }

  private send(peerId: string, signal: Signal): void {
    const socket = this.socket;
    const room = this.room;
    if (!socket || !room) return;
    const { description, candidate } = signal;
    if (room.kind === 'mesh') {
      if (candidate) socket.emit('video:ice-candidate', { to: peerId, candidate });
      else if (description?.type === 'offer')
        socket.emit('video:offer', { to: peerId, offer: description });
      else if (description?.type === 'answer')
        socket.emit('video:answer', { to: peerId, answer: description });
      return;
    }
    const roomId = room.id;
    if (candidate) socket.emit('ice-candidate', { roomId, candidate });
    else if (description?.type === 'offer') socket.emit('offer', { roomId, sdp: description });
    else if (description?.type === 'answer') socket.emit('answer', { roomId, sdp: description });
  }

  private signalFrom(from: string, signal: Signal): void {
    if (!this.room) return;
    let link = this.peers.get(from);
    if (!link) {
      // An offer can outrun `video:user-joined` across server nodes; the sender is in our room
      // (the server relays only between room members).
      if (!signal.description || signal.description.type !== 'offer') return;
      const anonymous = { id: from, name: from, avatar: null };
      link = this.addParticipant(
        {
          socketId: from,
          userId: from,
          user: anonymous,
          isMuted: false,
          isVideoOff: false,
          isSharingScreen: false,
          joinedAt: '',
        },
        false,
      );
    }
    void link.receive(signal);
  }

  // ── participants and peer connections ───────────────────────────────────

  private addParticipant(state: ParticipantState, offerFirst: boolean): PeerLink {
    const id = state.socketId;
    // The same user under a new id is a reconnect whose old socket the server has not dropped yet.
    for (const other of this.participants.values()) {
      if (other.userId === state.userId && other.id !== id && other.userId !== other.id) {
        this.dropParticipant(other.id);
      }
    }
    const existing = this.participants.get(id);
    const participant: Participant = {
      id,
      userId: state.userId,
      user: state.user,
      isMuted: state.isMuted,
      isVideoOff: state.isVideoOff,
      isSharingScreen: state.isSharingScreen,
      connectionState: 'new',
      stream: existing?.stream,
    };
    this.participants.set(id, participant);
    this.peers.get(id)?.close();
    const link = this.createLink(id, offerFirst);
    this.peers.set(id, link);
    participant.stream = link.remoteStream;
    this.emit(existing ? 'participant-updated' : 'participant-joined', participant);
    return link;
  }

  private createLink(id: string, offerFirst: boolean): PeerLink {
    const link = new PeerLink({
      id,
      polite: (this.id ?? '') < id,
      offerFirst,
      offerFallbackMs: this.options.offerFallbackMs,
      dataChannel: true,
      rtcConfig: { iceServers: this.iceServers ?? [] },
      local: () => ({
        stream: this.media.stream,
        audio: this.media.audio,
        video: this.media.video,
      }),
      send: (signal) => this.send(id, signal),
      onTrack: (track, stream) => {
        if (this.peers.get(id) !== link) return;
        this.emit('track', { peerId: id, track, stream });
      },
      onState: (state) => {
        const participant = this.participants.get(id);
        if (!participant || this.peers.get(id) !== link) return;
        participant.connectionState = state;
        this.emit('connection-state', { peerId: id, state });
      },
      onChannel: (channel, pc) => this.attachChannel(id, pc, channel),
      onError: (message) => this.emit('error', { message }),
    });
    this.samplers.set(id, new StatsSampler(id, link.pc));
    return link;
  }

  private attachChannel(peerId: string, pc: RTCPeerConnection, channel: RTCDataChannel): void {
    const data = new DataLink(peerId, channel, pc, {
      chat: (frame) => {
        const participant = this.participants.get(peerId);
        this.emit('chat', {
          id: frame.id,
          from: peerId,
          userId: participant?.userId ?? frame.userId,
          name: participant?.user.name ?? frame.name,
          text: frame.text,
          timestamp: frame.ts,
          via: 'datachannel',
        });
      },
      progress: (progress) => this.emit('file-progress', progress),
      file: (file) => this.emit('file', file),
      error: (message) => this.emit('error', { message }),
    });
    this.links.set(peerId, data);
  }

  private dropParticipant(id: string): void {
    const participant = this.participants.get(id);
    this.peers.get(id)?.close();
    this.peers.delete(id);
    this.links.delete(id);
    this.samplers.delete(id);
    if (!participant) return;
    this.participants.delete(id);
    this.emit('participant-left', { id, userId: participant.userId });
  }

  private updateParticipant(id: string, change: Partial<Participant>): void {
    const participant = this.participants.get(id);
    if (!participant) return;
    Object.assign(participant, change);
    this.emit('participant-updated', participant);
  }

  // ── local media ─────────────────────────────────────────────────────────

  private async replaceTrack(kind: MediaKind, track: MediaStreamTrack | null): Promise<void> {
    await Promise.all([...this.peers.values()].map((link) => link.replaceTrack(kind, track)));
  }

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
    if (!this.samplers.size) return;
    this.emit('stats', await this.getStats());
  }

  private async fetchIceServers(): Promise<RTCIceServer[]> {
    const url = new URL('/api/ice-servers', this.url);
    url.searchParams.set('userId', this.userId);
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

  private requireSocket(): SignalingSocket {
    if (!this.socket) throw new Error('Call connect() first');
    return this.socket;
  }
}
