import type { MediaKind } from './types.js';

/** What crosses the signaling server for one peer: a description or a trickled candidate. */
export interface Signal {
  description?: RTCSessionDescriptionInit;
  candidate?: RTCIceCandidateInit;
}

/** The local media a peer connection sends, read when it is created or answers. */
export interface LocalTracks {
  stream?: MediaStream;
  audio?: MediaStreamTrack;
  video?: MediaStreamTrack;
}

export interface PeerLinkOptions {
  id: string;
  /** The polite peer yields on glare (rolls back its offer); the impolite one ignores the other's. */
  polite: boolean;
  /** Offer as soon as created (newcomer, caller); otherwise wait for the other side's offer. */
  offerFirst: boolean;
  /** How long a waiting side waits for an offer before making one itself (old clients may wait too). */
  offerFallbackMs?: number;
  /** Only for mesh and pair calls between SDK clients: a negotiated chat/file channel. */
  dataChannel: boolean;
  rtcConfig: RTCConfiguration;
  local: () => LocalTracks;
  send: (signal: Signal) => void;
  onTrack: (track: MediaStreamTrack, stream: MediaStream) => void;
  onState: (state: RTCPeerConnectionState) => void;
  onChannel: (channel: RTCDataChannel, pc: RTCPeerConnection) => void;
  onError: (message: string) => void;
}

const KINDS: MediaKind[] = ['audio', 'video'];

/**
 * One RTCPeerConnection with perfect negotiation (W3C WebRTC §10.2, MDN "Perfect negotiation"):
 * either side may start a negotiation at any time, glare is resolved by the polite role, inbound
 * signals are applied strictly in order, candidates wait for the remote description, and a failed
 * connection restarts ICE.
 */
export class PeerLink {
  readonly id: string;
  readonly pc: RTCPeerConnection;
  /** Every remote track of this peer, whatever stream ids the other side used. */
  readonly remoteStream = new MediaStream();
  /** Offers that collided with ours (glare) since creation. */
  collisions = 0;
  /** ICE restarts this link started by itself, by cause: the connection failed, or stayed down. */
  readonly iceRestarts = { failed: 0, disconnected: 0 };
  private polite: boolean;
  private makingOffer = false;
  private ignoreOffer = false;
  private settingRemoteAnswer = false;
  private attached = false;
  private inbox: Promise<void> = Promise.resolve();
  private readonly pendingCandidates: RTCIceCandidateInit[] = [];
  private disconnectTimer?: ReturnType<typeof setTimeout>;
  private fallbackTimer?: ReturnType<typeof setTimeout>;
  private closed = false;

  constructor(private readonly options: PeerLinkOptions) {
    this.id = options.id;
    this.polite = options.polite;
    const pc = (this.pc = new RTCPeerConnection(options.rtcConfig));
    pc.onnegotiationneeded = () => void this.negotiate();
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) options.send({ candidate: candidate.toJSON() });
    };
    pc.ontrack = ({ track }) => this.addRemoteTrack(track);
    pc.onconnectionstatechange = () => this.connectionChanged();
    if (options.offerFirst) this.attachMedia();
    else {
      this.fallbackTimer = setTimeout(() => {
        if (!this.attached && !pc.remoteDescription) this.attachMedia();
      }, options.offerFallbackMs ?? 3000);
    }
  }

  /** Feeds a signal from the other side; signals are applied one at a time, in arrival order. */
  receive(signal: Signal): Promise<void> {
    this.inbox = this.inbox
      .then(() => this.apply(signal))
      .catch((error: unknown) => this.options.onError(`${this.id}: ${(error as Error).message}`));
    return this.inbox;
  }

  /** Swaps the outgoing track of a kind without renegotiating (mute, device switch, screen share). */
  async replaceTrack(kind: MediaKind, track: MediaStreamTrack | null): Promise<void> {
    const transceiver = this.transceiverFor(kind);
    if (!transceiver) {
      if (track && this.attached)
        this.pc.addTrack(track, this.options.local().stream ?? new MediaStream());
      return;
    }
    await transceiver.sender.replaceTrack(track);
    const stream = this.options.local().stream;
    if (stream) transceiver.sender.setStreams?.(stream);
    // A transceiver that only received (joined without that device) must now send: renegotiate.
    if (track && transceiver.direction === 'recvonly') transceiver.direction = 'sendrecv';
  }

  /** Starts a new offer (with an ICE restart when asked); glare-safe like any other negotiation. */
  renegotiate(iceRestart = false): void {
    if (iceRestart) this.pc.restartIce();
    else void this.negotiate();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.disconnectTimer);
    clearTimeout(this.fallbackTimer);
    this.pc.onnegotiationneeded = null;
    this.pc.onicecandidate = null;
    this.pc.ontrack = null;
    this.pc.onconnectionstatechange = null;
    this.pc.close();
    this.options.onState('closed');
  }

  private async negotiate(): Promise<void> {
    if (!this.attached || this.closed) return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      const description = this.pc.localDescription;
      if (description) this.options.send({ description: description.toJSON() });
    } catch (error) {
      this.options.onError(`${this.id}: offer failed: ${(error as Error).message}`);
    } finally {
      this.makingOffer = false;
    }
  }

  private async apply({ description, candidate }: Signal): Promise<void> {
    if (this.closed) return;
    const pc = this.pc;
    if (description) {
      const readyForOffer =
        !this.makingOffer && (pc.signalingState === 'stable' || this.settingRemoteAnswer);
      const collision = description.type === 'offer' && !readyForOffer;
      if (collision) this.collisions++;
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) return;
      this.settingRemoteAnswer = description.type === 'answer';
      try {
        await pc.setRemoteDescription(description); // the polite side rolls back implicitly
      } finally {
        this.settingRemoteAnswer = false;
      }
      await this.flushCandidates();
      if (description.type !== 'offer') return;
      if (!this.attached) this.attachToOffer(description.sdp ?? '');
      await pc.setLocalDescription();
      const answer = pc.localDescription;
      if (answer) this.options.send({ description: answer.toJSON() });
      return;
    }
    if (candidate) {
      if (!pc.remoteDescription) {
        this.pendingCandidates.push(candidate);
        return;
      }
      await this.addCandidate(candidate);
    }
  }

  private async flushCandidates(): Promise<void> {
    for (const candidate of this.pendingCandidates.splice(0)) await this.addCandidate(candidate);
  }

  private async addCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (error) {
      // Candidates of an offer we ignored (glare) or of a rolled-back one are expected to fail.
      if (!this.ignoreOffer)
        this.options.onError(`${this.id}: candidate: ${(error as Error).message}`);
    }
  }

  /** The offering side: add local tracks (or receive-only slots) and the data channel. */
  private attachMedia(): void {
    this.attached = true;
    clearTimeout(this.fallbackTimer);
    const local = this.options.local();
    for (const kind of KINDS) {
      if (this.transceiverFor(kind)) continue;
      const track = local[kind];
      if (track) this.pc.addTrack(track, local.stream ?? new MediaStream([track]));
      else this.pc.addTransceiver(kind, { direction: 'recvonly' });
    }
    if (this.options.dataChannel) this.openChannel();
  }

  /**
   * The answering side of the first offer: send our tracks on the transceivers the offer created
   * (no extra m-lines, no second round), add what the offer lacks afterwards.
   */
  private attachToOffer(sdp: string): void {
    this.attached = true;
    clearTimeout(this.fallbackTimer);
    const local = this.options.local();
    for (const kind of KINDS) {
      const track = local[kind];
      if (!track) continue;
      const transceiver = this.pc
        .getTransceivers()
        .find((t) => t.receiver.track.kind === kind && !t.sender.track && t.mid !== null);
      if (transceiver) {
        void transceiver.sender.replaceTrack(track);
        if (local.stream) transceiver.sender.setStreams?.(local.stream);
        transceiver.direction = 'sendrecv';
      } else {
        this.pc.addTrack(track, local.stream ?? new MediaStream([track]));
      }
    }
    if (this.options.dataChannel && sdp.includes('m=application')) this.openChannel();
  }

  private openChannel(): void {
    // Negotiated with a fixed id: both sides create it, so no `datachannel` event race.
    const channel = this.pc.createDataChannel('sinyal', { negotiated: true, id: 0, ordered: true });
    channel.binaryType = 'arraybuffer';
    this.options.onChannel(channel, this.pc);
  }

  private transceiverFor(kind: MediaKind): RTCRtpTransceiver | undefined {
    return this.pc
      .getTransceivers()
      .find(
        (t) =>
          t.currentDirection !== 'stopped' &&
          (t.sender.track?.kind === kind || t.receiver.track.kind === kind),
      );
  }

  private addRemoteTrack(track: MediaStreamTrack): void {
    for (const old of this.remoteStream.getTracks()) {
      if (old.kind === track.kind && old !== track) this.remoteStream.removeTrack(old);
    }
    if (!this.remoteStream.getTracks().includes(track)) this.remoteStream.addTrack(track);
    this.options.onTrack(track, this.remoteStream);
  }

  private connectionChanged(): void {
    const state = this.pc.connectionState;
    this.options.onState(state);
    clearTimeout(this.disconnectTimer);
    if (state === 'failed') this.restartIce('failed');
    else if (state === 'disconnected') {
      // Often transient (Wi-Fi roam); restart only if it does not come back by itself.
      this.disconnectTimer = setTimeout(() => {
        if (this.pc.connectionState === 'disconnected') this.restartIce('disconnected');
      }, 2500);
    }
  }

  /** Same RTCPeerConnection, new ICE credentials: the next offer gathers and checks anew. */
  private restartIce(cause: keyof PeerLink['iceRestarts']): void {
    this.iceRestarts[cause]++;
    this.pc.restartIce();
  }
}
