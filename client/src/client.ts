import { sha256Hex } from './data.js';
import { LocalMedia } from './media.js';
import type { LocalTracks } from './peer.js';
import { randomId, SignalingClient, type SinyalClientOptions } from './signaling-client.js';
import type { ChatMessage, MediaKind } from './types.js';

export type { SinyalClientOptions } from './signaling-client.js';

/**
 * The sinyal browser client: signaling over Socket.IO, one perfect-negotiation RTCPeerConnection
 * per remote participant (signaling-client.ts), local media controls, data-channel chat and
 * files, and stats.
 */
export class SinyalClient extends SignalingClient {
  readonly media: LocalMedia;

  constructor(options: SinyalClientOptions = {}) {
    super(options);
    this.media = new LocalMedia(
      (kind, track) => this.set.replaceTrack(kind, track),
      () => void this.stopScreenShare(),
    );
  }

  /** Leaves, stops local media and disconnects for good. */
  override close(): void {
    super.close();
    this.media.stop();
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

  // ── local media ─────────────────────────────────────────────────────────

  protected localTracks(): LocalTracks {
    return { stream: this.media.stream, audio: this.media.audio, video: this.media.video };
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

  protected reannounce(): void {
    if (this.media.isMuted) this.announce('video:toggle-audio', { isMuted: true });
    if (this.media.isVideoOff) this.announce('video:toggle-video', { isVideoOff: true });
    if (this.media.isSharingScreen) this.announce('video:screen-share-start', {});
  }

  private emitLocalMedia(): void {
    const { isMuted, isVideoOff, isSharingScreen } = this.media;
    this.emit('local-media', { isMuted, isVideoOff, isSharingScreen });
  }
}
