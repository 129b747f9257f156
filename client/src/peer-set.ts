import { DataLink } from './data.js';
import { PeerLink, type LocalTracks, type Signal } from './peer.js';
import { StatsSampler } from './stats.js';
import type {
  ClientEvents,
  MediaKind,
  Participant,
  ParticipantState,
  PeerStatsSummary,
} from './types.js';

export interface PeerSetOptions {
  /** Our own peer id: the smaller id of a pair is the polite one. */
  selfId: () => string | undefined;
  iceServers: () => RTCIceServer[];
  offerFallbackMs?: number;
  local: () => LocalTracks;
  send: (peerId: string, signal: Signal) => void;
  emit: <E extends keyof ClientEvents>(event: E, data: ClientEvents[E]) => void;
}

/** A participant known only by its peer id (pair rooms, or an offer that outran its join). */
export function anonymousState(peerId: string): ParticipantState {
  return {
    socketId: peerId,
    userId: peerId,
    user: { id: peerId, name: peerId, avatar: null },
    isMuted: false,
    isVideoOff: false,
    isSharingScreen: false,
    joinedAt: '',
  };
}

/** The participants of the current room with their peer connection, data channel and stats. */
export class PeerSet {
  readonly participants = new Map<string, Participant>();
  readonly peers = new Map<string, PeerLink>();
  readonly links = new Map<string, DataLink>();
  private readonly samplers = new Map<string, StatsSampler>();

  constructor(private readonly options: PeerSetOptions) {}

  /** Adds (or refreshes) a participant with a new connection; `offerFirst` starts negotiating. */
  add(state: ParticipantState, offerFirst: boolean): PeerLink {
    const id = state.socketId;
    // The same user under a new id is a reconnect whose old socket the server has not dropped yet.
    for (const other of this.participants.values()) {
      if (other.userId === state.userId && other.id !== id && other.userId !== other.id) {
        this.drop(other.id);
      }
    }
    const existing = this.participants.get(id);
    this.peers.get(id)?.close();
    const link = this.createLink(id, offerFirst);
    const participant: Participant = {
      id,
      userId: state.userId,
      user: state.user,
      isMuted: state.isMuted,
      isVideoOff: state.isVideoOff,
      isSharingScreen: state.isSharingScreen,
      connectionState: 'new',
      stream: link.remoteStream,
    };
    this.participants.set(id, participant);
    this.peers.set(id, link);
    this.options.emit(existing ? 'participant-updated' : 'participant-joined', participant);
    return link;
  }

  /** A signal from `from`; an offer from someone unknown creates them (the server vouches). */
  signal(from: string, signal: Signal): void {
    let link = this.peers.get(from);
    if (!link) {
      if (signal.description?.type !== 'offer') return;
      link = this.add(anonymousState(from), false);
    }
    void link.receive(signal);
  }

  update(id: string, change: Partial<Participant>): void {
    const participant = this.participants.get(id);
    if (!participant) return;
    Object.assign(participant, change);
    this.options.emit('participant-updated', participant);
  }

  drop(id: string): void {
    const participant = this.participants.get(id);
    this.peers.get(id)?.close();
    this.peers.delete(id);
    this.links.delete(id);
    this.samplers.delete(id);
    if (!participant) return;
    this.participants.delete(id);
    this.options.emit('participant-left', { id, userId: participant.userId });
  }

  dropAll(): void {
    for (const id of [...this.participants.keys()]) this.drop(id);
  }

  /** Closes every connection but keeps the participants (their tiles) until the room says. */
  closeConnections(): void {
    for (const link of this.peers.values()) link.close();
    this.peers.clear();
    this.links.clear();
    this.samplers.clear();
  }

  /** ICE restart for the connections whose media failed (the others are left alone). */
  restartFailed(): void {
    for (const link of this.peers.values()) {
      if (link.pc.connectionState === 'failed') link.renegotiate(true);
    }
  }

  async replaceTrack(kind: MediaKind, track: MediaStreamTrack | null): Promise<void> {
    await Promise.all([...this.peers.values()].map((link) => link.replaceTrack(kind, track)));
  }

  get sampling(): boolean {
    return this.samplers.size > 0;
  }

  async stats(): Promise<PeerStatsSummary[]> {
    const samples = [...this.samplers.values()].map((s) => s.sample().catch(() => undefined));
    return (await Promise.all(samples)).filter((s): s is PeerStatsSummary => Boolean(s));
  }

  private createLink(id: string, offerFirst: boolean): PeerLink {
    const { emit } = this.options;
    const link = new PeerLink({
      id,
      polite: (this.options.selfId() ?? '') < id,
      offerFirst,
      offerFallbackMs: this.options.offerFallbackMs,
      dataChannel: true,
      rtcConfig: { iceServers: this.options.iceServers() },
      local: this.options.local,
      send: (signal) => this.options.send(id, signal),
      onTrack: (track, stream) => {
        if (this.peers.get(id) === link) emit('track', { peerId: id, track, stream });
      },
      onState: (state) => {
        const participant = this.participants.get(id);
        if (!participant || this.peers.get(id) !== link) return;
        participant.connectionState = state;
        emit('connection-state', { peerId: id, state });
      },
      onChannel: (channel, pc) => this.attachChannel(id, pc, channel),
      onError: (message) => emit('error', { message }),
    });
    this.samplers.set(id, new StatsSampler(id, link.pc));
    return link;
  }

  private attachChannel(peerId: string, pc: RTCPeerConnection, channel: RTCDataChannel): void {
    const { emit } = this.options;
    const data = new DataLink(peerId, channel, pc, {
      chat: (frame) => {
        const participant = this.participants.get(peerId);
        emit('chat', {
          id: frame.id,
          from: peerId,
          userId: participant?.userId ?? frame.userId,
          name: participant?.user.name ?? frame.name,
          text: frame.text,
          timestamp: frame.ts,
          via: 'datachannel',
        });
      },
      progress: (progress) => emit('file-progress', progress),
      file: (file) => emit('file', file),
      error: (message) => emit('error', { message }),
    });
    this.links.set(peerId, data);
  }
}
