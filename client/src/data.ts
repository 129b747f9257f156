import type { FileProgress, ReceivedFile } from './types.js';

/** Control frames on the data channel (text); file bytes travel as binary frames in between. */
type Frame =
  | { t: 'chat'; id: string; text: string; ts: string; name: string; userId: string }
  | { t: 'file'; id: string; name: string; size: number; type: string }
  | { t: 'file-end'; id: string; sha256: string };

export interface DataLinkEvents {
  chat: (frame: { id: string; text: string; ts: string; name: string; userId: string }) => void;
  progress: (progress: FileProgress) => void;
  file: (file: ReceivedFile) => void;
  error: (message: string) => void;
}

/** Chrome's own ceiling; larger messages stall other channels behind them. */
const MAX_CHUNK = 256 * 1024;
/** What every implementation accepts, used until the SCTP transport reports the negotiated size. */
const FALLBACK_CHUNK = 16 * 1024;
/**
 * The sender keeps between LOW_WATER and HIGH_WATER bytes queued, refilled on
 * `bufferedamountlow`: enough that the SCTP stack never runs dry while JavaScript is woken
 * (1 MiB did: 50 MB on loopback at 11 MB/s, 14 with 2 MiB; 4 MiB gained nothing more,
 * docs/benchmarks.md), little enough that a chat message sent during a transfer (same ordered
 * channel) waits a fraction of a second behind the file.
 */
const HIGH_WATER = 2 * 1024 * 1024;
const LOW_WATER = 512 * 1024;

export async function sha256Hex(data: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The chunk size for files: the negotiated `maxMessageSize` of the SCTP transport (the smaller of
 * both sides' `a=max-message-size`), capped at 256 KiB, 16 KiB when the browser does not say.
 */
export function maxMessageSize(pc: RTCPeerConnection): number {
  const negotiated = pc.sctp?.maxMessageSize;
  if (!negotiated || !Number.isFinite(negotiated)) return FALLBACK_CHUNK;
  return Math.max(1024, Math.min(negotiated, MAX_CHUNK));
}

interface Incoming {
  id: string;
  name: string;
  size: number;
  type: string;
  chunks: ArrayBuffer[];
  bytes: number;
}

/** Chat and file transfer over one peer's data channel, files sent one after another. */
export class DataLink {
  private queue: Promise<void> = Promise.resolve();
  private incoming?: Incoming;
  private pendingEnd?: { id: string; sha256: string };

  constructor(
    readonly peerId: string,
    readonly channel: RTCDataChannel,
    private readonly pc: RTCPeerConnection,
    private readonly on: DataLinkEvents,
  ) {
    channel.bufferedAmountLowThreshold = LOW_WATER;
    channel.onmessage = ({ data }) => this.receive(data as string | ArrayBuffer);
  }

  get open(): boolean {
    return this.channel.readyState === 'open';
  }

  sendChat(frame: { id: string; text: string; ts: string; name: string; userId: string }): void {
    this.channel.send(JSON.stringify({ t: 'chat', ...frame } satisfies Frame));
  }

  /** Queues a file; resolves once its last byte is handed to the channel. */
  sendFile(
    id: string,
    name: string,
    type: string,
    bytes: ArrayBuffer,
    sha256: string | Promise<string>,
  ): Promise<void> {
    const run = () => this.transmit(id, name, type, bytes, sha256);
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async transmit(
    id: string,
    name: string,
    type: string,
    bytes: ArrayBuffer,
    sha256: string | Promise<string>,
  ): Promise<void> {
    if (!this.open) throw new Error(`Data channel to ${this.peerId} is not open`);
    const size = bytes.byteLength;
    const chunk = maxMessageSize(this.pc);
    this.channel.send(JSON.stringify({ t: 'file', id, name, size, type } satisfies Frame));
    for (let offset = 0; offset < size; offset += chunk) {
      if (this.channel.bufferedAmount > HIGH_WATER) await this.drained();
      const end = Math.min(size, offset + chunk);
      this.channel.send(new Uint8Array(bytes, offset, end - offset)); // a view: no copy

      this.on.progress({
        transferId: id,
        peerId: this.peerId,
        name,
        size,
        bytes: end,
        direction: 'send',
      });
    }
    if (size === 0) {
      this.on.progress({
        transferId: id,
        peerId: this.peerId,
        name,
        size,
        bytes: 0,
        direction: 'send',
      });
    }
    const digest = await sha256;
    this.channel.send(JSON.stringify({ t: 'file-end', id, sha256: digest } satisfies Frame));
  }

  private drained(): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        this.channel.removeEventListener('bufferedamountlow', done);
        this.channel.removeEventListener('close', failed);
        resolve();
      };
      const failed = () => {
        this.channel.removeEventListener('bufferedamountlow', done);
        reject(new Error(`Data channel to ${this.peerId} closed during a transfer`));
      };
      this.channel.addEventListener('bufferedamountlow', done);
      this.channel.addEventListener('close', failed, { once: true });
    });
  }

  private receive(data: string | ArrayBuffer): void {
    if (typeof data !== 'string') {
      const file = this.incoming;
      if (!file) return this.on.error(`${this.peerId}: file bytes without a header`);
      file.chunks.push(data);
      file.bytes += data.byteLength;
      const { id, name, size, bytes } = file;
      this.on.progress({
        transferId: id,
        peerId: this.peerId,
        name,
        size,
        bytes,
        direction: 'receive',
      });
      this.maybeFinish();
      return;
    }
    let frame: Frame;
    try {
      frame = JSON.parse(data) as Frame;
    } catch {
      return this.on.error(`${this.peerId}: unreadable data channel frame`);
    }
    if (frame.t === 'chat' && typeof frame.text === 'string') {
      this.on.chat(frame);
    } else if (frame.t === 'file' && Number.isSafeInteger(frame.size) && frame.size >= 0) {
      this.incoming = { ...frame, name: String(frame.name), chunks: [], bytes: 0 };
      this.pendingEnd = undefined;
    } else if (frame.t === 'file-end') {
      this.pendingEnd = { id: frame.id, sha256: String(frame.sha256) };
      this.maybeFinish();
    }
  }

  private maybeFinish(): void {
    const file = this.incoming;
    const end = this.pendingEnd;
    if (!file || !end || end.id !== file.id || file.bytes < file.size) return;
    this.incoming = undefined;
    this.pendingEnd = undefined;
    const blob = new Blob(file.chunks, { type: file.type || 'application/octet-stream' });
    void blob
      .arrayBuffer()
      .then(sha256Hex)
      .then((sha256) =>
        this.on.file({
          transferId: file.id,
          peerId: this.peerId,
          name: file.name,
          type: file.type,
          size: file.bytes,
          blob,
          sha256,
          intact: sha256 === end.sha256 && file.bytes === file.size,
        }),
      );
  }
}
